/**
 * The health suite: the two targets of the health files, each next to a
 * baseline measured in the same run, on the same service program.
 *
 * Every service runs `LISTENER`, a small perl tcp listener on 127.0.0.1 at a
 * port the bench chose free and wrote to its `data/port`; it notifies
 * readiness on fd 3 only when its `data/notify` exists, so the variants
 * differ in their definition files alone.
 *
 * 1. Readiness: N longruns with `readiness-probe tcp 127.0.0.1:PORT -s 0 -w
 *    20 -n 0` (first attempt at once, then every 20 ms, forever; a 1 s
 *    interval would measure the interval, not the probe) against the same N
 *    with `notification-fd`: ms from one `up` request for all to all ready,
 *    alternated, medians; target < 1.5×.
 * 2. Liveness: N ready longruns (`notification-fd`) with `liveness-probe tcp
 *    127.0.0.1:PORT -s 1000 -w 1000`, against the same N without: the
 *    supervisor's CPU (utime + stime from /proc/PID/stat) over a window after
 *    the services settled, as a share of one core; target < 5 %.
 *
 * N is 1000 (200 with S6RC_BENCH_QUICK=1). Ports come from below the
 * kernel's ephemeral range (so no probe's own connection can hold one) and
 * are checked free by binding them just before each supervisor starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bringAllUp, killLive, s6rcOk } from '../live.js';
import { median, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const READY_TARGET = 1.5;
const CPU_TARGET_PERCENT = 5;
const READINESS_PROBE = '-s 0 -w 20 -n 0';
const LIVENESS_PROBE = '-s 1000 -w 1000';
/**
 * After the burst of spawns V8's memory reducer runs a few major GCs, some
 * seconds later: with a short settle they land in an idle window now and
 * then (docs/PERFORMANCE.md, "Health").
 */
const SETTLE_MS = 30_000;
const WINDOW_MS = 10_000;

/** The one service program: listen, maybe notify on fd 3, accept and close forever. */
const LISTENER = `#!/usr/bin/perl
use Socket;
open(my $f, '<', 'data/port') or die "data/port: $!\\n";
my $port = <$f>;
chomp $port;
socket(S, PF_INET, SOCK_STREAM, 0) or die "socket: $!\\n";
setsockopt(S, SOL_SOCKET, SO_REUSEADDR, 1) or die "setsockopt: $!\\n";
bind(S, sockaddr_in($port, inet_aton('127.0.0.1'))) or die "bind 127.0.0.1:$port: $!\\n";
listen(S, 128) or die "listen: $!\\n";
if (-e 'data/notify') {
  open(my $n, '>&=', 3) or die "fd 3: $!\\n";
  syswrite($n, "\\n");
  close($n);
}
while (1) { close(C) if accept(C, S) }
`;

type Variant = 'fd' | 'probe' | 'fd+liveness';

interface Live {
  root: string;
  live: string;
  pid: number;
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `s${String(i).padStart(5, '0')}`);

/** [low, high] for listening ports: 20000–40000, below the ephemeral range. */
function portRange(): [number, number] {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    /* Linux's default */
  }
  return [20000, Math.min(40000, ephemeralLow - 1)];
}

/** Local ports of every tcp socket on the machine, in any state (listening, connected, TIME_WAIT). */
function portsInUse(): Set<number> {
  const used = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) used.add(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return used;
}

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });

/** `count` ports no socket uses and 127.0.0.1 can bind now; throws if the range has too few. */
async function freePorts(count: number): Promise<number[]> {
  const [low, high] = portRange();
  const used = portsInUse();
  const ports: number[] = [];
  for (let port = low; port <= high && ports.length < count; port++) {
    if (!used.has(port) && (await canBind(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} free ports in ${low}-${high}, ${count} needed`);
  return ports;
}

/** `ports.length` longruns running LISTENER, in `variant`, compiled and initialised. */
function initLive(variant: Variant, ports: number[]): Live {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-health-'));
  try {
    const src = join(root, 'src');
    names(ports.length).forEach((name, i) => {
      const d = join(src, name);
      mkdirSync(join(d, 'data'), { recursive: true });
      writeFileSync(join(d, 'type'), 'longrun\n');
      writeFileSync(join(d, 'run'), LISTENER, { mode: 0o755 });
      writeFileSync(join(d, 'data', 'port'), `${ports[i]}\n`);
      const target = `127.0.0.1:${ports[i]}`;
      if (variant === 'probe') writeFileSync(join(d, 'readiness-probe'), `tcp ${target} ${READINESS_PROBE}\n`);
      else {
        writeFileSync(join(d, 'notification-fd'), '3\n');
        writeFileSync(join(d, 'data', 'notify'), '');
      }
      if (variant === 'fd+liveness') writeFileSync(join(d, 'liveness-probe'), `tcp ${target} ${LIVENESS_PROBE}\n`);
    });
    const live = join(root, 'live');
    s6rcOk(['compile', join(root, 'compiled'), src]);
    s6rcOk(['init', '-c', join(root, 'compiled'), '-l', live]);
    return { root, live, pid: Number(readFileSync(join(live, 'pid'), 'utf8')) };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

function teardown(l: Live): void {
  killLive(l.live, l.pid);
  rmSync(l.root, { recursive: true, force: true });
}

/** The last lines of the supervisor's log, for an error that needs them. */
function logTail(l: Live): string {
  try {
    return readFileSync(join(l.live, 'supervisor.log'), 'utf8').split('\n').slice(-6).join('\n');
  } catch {
    return '';
  }
}

/** Starts a supervisor on `count` fresh free ports in `variant`, brings all up, runs `body`, tears down whatever happens. */
async function withAllUp<T>(variant: Variant, count: number, body: (l: Live, up: { ms: number; cpuMs: number }) => Promise<T>): Promise<T> {
  const l = initLive(variant, await freePorts(count));
  try {
    let up: { ms: number; cpuMs: number };
    try {
      const cpu0 = cpuMs(l.pid);
      const ms = await bringAllUp(l.live, names(count), 300_000);
      up = { ms, cpuMs: cpuMs(l.pid) - cpu0 };
    } catch (error) {
      throw new Error(`${variant}: ${(error as Error).message}\n${logTail(l)}`);
    }
    return await body(l, up);
  } finally {
    teardown(l);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let clockTicks = 0;
/** USER_HZ, what /proc/PID/stat counts in. */
function ticksPerSecond(): number {
  if (!clockTicks) clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return clockTicks;
}

/** utime and stime of `pid` (every thread), in ms. */
function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15.
  return { user: (Number(fields[11]) * 1000) / ticksPerSecond(), system: (Number(fields[12]) * 1000) / ticksPerSecond() };
}

const cpuMs = (pid: number) => {
  const t = cpuTimes(pid);
  return t.user + t.system;
};

/** Connects opened machine-wide (Tcp ActiveOpens): the probes' rate, give or take other work. */
function activeOpens(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const header = lines[0].split(/\s+/);
  return Number(lines[1].split(/\s+/)[header.indexOf('ActiveOpens')]);
}

interface CpuSample {
  percent: number;
  /** Of which in the kernel. */
  systemPercent: number;
  /** Connects per second over the window, machine-wide. */
  opensPerSecond: number;
  /** Service processes gone during the window (a liveness failure restarts one). */
  restarted: number;
}

/**
 * The pids of every process working in the live directory (the services),
 * read from /proc rather than asked of the supervisor, so that measuring asks
 * nothing of what is measured.
 */
function servicePids(live: string): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(live)) pids.add(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Settle, then the supervisor's CPU over WINDOW_MS as % of one core. */
async function supervisorCpu(l: Live): Promise<CpuSample> {
  await sleep(SETTLE_MS);
  const before = servicePids(l.live);
  const opens0 = activeOpens();
  const cpu0 = cpuTimes(l.pid);
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const cpu1 = cpuTimes(l.pid);
  const elapsed = performance.now() - t0;
  const opens1 = activeOpens();
  const after = servicePids(l.live);
  let restarted = 0;
  for (const pid of before) if (!after.has(pid)) restarted++;
  const percent = (ms: number) => (ms / elapsed) * 100;
  return {
    percent: percent(cpu1.user + cpu1.system - cpu0.user - cpu0.system),
    systemPercent: percent(cpu1.system - cpu0.system),
    opensPerSecond: ((opens1 - opens0) * 1000) / elapsed,
    restarted,
  };
}

const load = () => loadavg()[0].toFixed(1);
const list = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join('/');

async function readiness(count: number, runs: number): Promise<Row[]> {
  const fd: number[] = [];
  const probe: number[] = [];
  const cpu = { fd: [] as number[], probe: [] as number[] };
  const loads: string[] = [];
  for (let run = 0; run < runs; run++) {
    // Alternate which goes first, so a drift in the machine's load favours neither.
    const order: Variant[] = run % 2 ? ['probe', 'fd'] : ['fd', 'probe'];
    for (const variant of order) {
      loads.push(load());
      const up = await withAllUp(variant, count, async (_l, up) => up);
      (variant === 'fd' ? fd : probe).push(up.ms);
      cpu[variant === 'fd' ? 'fd' : 'probe'].push(up.cpuMs);
      process.stderr.write(`bench: health: ${count} ${variant}: ${up.ms.toFixed(0)} ms, supervisor CPU ${up.cpuMs.toFixed(0)} ms (load ${loads.at(-1)})\n`);
    }
  }
  const f = median(fd);
  const p = median(probe);
  const ratio = p / f;
  return [
    {
      suite: 'health',
      case: `${count} longruns notification-fd: one up → all ready`,
      median: f,
      note: `runs ${list(fd)} ms; supervisor CPU ${list(cpu.fd)} ms; load ${loads.join('/')}`,
    },
    {
      suite: 'health',
      case: `${count} longruns readiness-probe tcp: one up → all ready`,
      median: p,
      target: `< ${READY_TARGET}× notification-fd`,
      note:
        `${ratio < READY_TARGET ? 'ok' : 'MISSED'}: ${ratio.toFixed(2)}× (${p - f >= 0 ? '+' : ''}${(p - f).toFixed(0)} ms; per run ${probe.map((x, i) => (x / fd[i]).toFixed(2)).join('/')}); ` +
        `runs ${list(probe)} ms; supervisor CPU ${list(cpu.probe)} ms; probe tcp 127.0.0.1:PORT ${READINESS_PROBE}`,
    },
  ];
}

async function liveness(count: number, runs: number): Promise<Row[]> {
  const idle: CpuSample[] = [];
  const probed: CpuSample[] = [];
  for (let run = 0; run < runs; run++) {
    const order: Variant[] = run % 2 ? ['fd+liveness', 'fd'] : ['fd', 'fd+liveness'];
    for (const variant of order) {
      const sample = await withAllUp(variant, count, (l) => supervisorCpu(l));
      (variant === 'fd' ? idle : probed).push(sample);
      process.stderr.write(
        `bench: health: ${count} ready, ${variant}: ${sample.percent.toFixed(2)} % (system ${sample.systemPercent.toFixed(2)}; ${sample.opensPerSecond.toFixed(0)} connects/s, ${sample.restarted} restarted, load ${load()})\n`,
      );
    }
  }
  const i = median(idle.map((s) => s.percent));
  const p = median(probed.map((s) => s.percent));
  const restarted = probed.reduce((n, s) => n + s.restarted, 0) + idle.reduce((n, s) => n + s.restarted, 0);
  const window = `${WINDOW_MS / 1000} s after ${SETTLE_MS / 1000} s settling`;
  return [
    {
      suite: 'health',
      case: `${count} ready longruns, no probe: supervisor CPU`,
      median: i,
      unit: '%',
      note: `runs ${list(idle.map((s) => s.percent), 2)} % of one core over ${window}`,
    },
    {
      suite: 'health',
      case: `${count} ready longruns, tcp liveness every 1 s: supervisor CPU`,
      median: p,
      unit: '%',
      target: `< ${CPU_TARGET_PERCENT} % of one core`,
      note:
        `${p < CPU_TARGET_PERCENT ? 'ok' : 'MISSED'}: +${(p - i).toFixed(2)} points over no probe; runs ${list(probed.map((s) => s.percent), 2)} % ` +
        `(in the kernel ${list(probed.map((s) => s.systemPercent), 2)}); ` +
        `${list(probed.map((s) => s.opensPerSecond))} connects/s machine-wide; ${restarted} restarts; probe tcp 127.0.0.1:PORT ${LIVENESS_PROBE}`,
    },
  ];
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const count = ctx.quick ? 200 : 1000;
  const runs = 3;
  return [...(await readiness(count, runs)), ...(await liveness(count, runs))];
}
