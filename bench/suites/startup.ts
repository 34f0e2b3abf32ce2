/**
 * The startup suite: how long a user waits for the supervisor to come and go,
 * each against a bare `node -e 0` alternated with it in the same run.
 *
 * - `init` of a 10-service database until it returns (the supervisor answers);
 * - `shutdown` of that supervisor, idle (every service down);
 * - `boot examples/webstack` until it prints "default up", minus the
 *   services' own start times: the critical path through the dependency graph
 *   of what each service itself took, read from the boot's event log (a
 *   longrun from `run.spawned` to `readiness.notified`, a oneshot from
 *   `script.spawned` to `script.exited`). db and api are node programs, so on
 *   a loaded host their own starts are most of the boot;
 * - the supervisor's RSS with 10 ready longruns.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLongruns } from '../generate.js';
import { BENCH_ENV, bringAllUp, killLive, s6rcOk } from '../live.js';
import { median, nodeOnce, ROOT, S6RC, timeProcess, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const INIT_TARGET = 2;
const SHUTDOWN_TARGET = 1.5;
const BOOT_TARGET = 2;
const RSS_TARGET_MIB = 45;
const SERVICES = 10;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const readPid = (live: string) => Number(readFileSync(join(live, 'pid'), 'utf8'));
const names = Array.from({ length: SERVICES }, (_, i) => `s${i}`);

/** `SERVICES` independent longruns that notify readiness on fd 3, compiled into `<root>/compiled`. */
function compileTen(root: string): string {
  const src = join(root, 'src');
  writeLongruns(src, names);
  const compiled = join(root, 'compiled');
  s6rcOk(['compile', compiled, src]);
  return compiled;
}

function row(name: string, ms: number, node: number, target: number, extra = ''): Row {
  const ratio = ms / node;
  return {
    suite: 'startup',
    case: name,
    median: ms,
    vsNode: ratio,
    target: `≤ ${target}×`,
    note: `${ratio <= target ? 'ok' : 'MISSED'} (node -e 0: ${node.toFixed(1)} ms)${extra}`,
  };
}

/** init and shutdown, each alternated with `node -e 0`; the RSS of the first supervisor with its 10 services up. */
async function initAndShutdown(root: string, rounds: number): Promise<Row[]> {
  const compiled = compileTen(root);
  const init: number[] = [];
  const down: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const live = join(root, `live${i}`);
    let pid = 0;
    try {
      base.push(nodeOnce());
      init.push(timeProcess(process.execPath, [S6RC, 'init', '-c', compiled, '-l', live], { env: BENCH_ENV }));
      pid = readPid(live);
      base.push(nodeOnce());
      down.push(timeProcess(process.execPath, [S6RC, 'shutdown', '-l', live], { env: BENCH_ENV }));
    } finally {
      if (pid) killLive(live, pid, 5000);
    }
  }
  const node = median(base);
  return [
    await rssRow(root, compiled),
    row(`init, ${SERVICES} longruns → supervisor ready`, median(init), node, INIT_TARGET, `; runs ${init.map((x) => x.toFixed(0)).join('/')}`),
    row('shutdown of an idle supervisor', median(down), node, SHUTDOWN_TARGET, `; runs ${down.map((x) => x.toFixed(0)).join('/')}`),
  ];
}

/** A supervisor of its own, its 10 longruns brought up and ready. */
async function rssRow(root: string, compiled: string): Promise<Row> {
  const live = join(root, 'live-rss');
  s6rcOk(['init', '-c', compiled, '-l', live]);
  const pid = readPid(live);
  try {
    await bringAllUp(live, names);
    await new Promise((r) => setTimeout(r, 500));
    const mib = rssMiB(pid);
    return { suite: 'startup', case: `supervisor RSS, ${SERVICES} ready longruns`, median: mib, unit: 'MiB', target: `≤ ${RSS_TARGET_MIB} MiB`, note: mib <= RSS_TARGET_MIB ? 'ok' : 'MISSED' };
  } finally {
    killLive(live, pid, 5000);
  }
}

interface LogEvent {
  time: string;
  service: string | null;
  event: string;
}

/**
 * The services' own share of a boot: for each atomic, the ms its run took to
 * be ready (longrun) or its up script to finish (oneshot), from the event
 * log; then the longest path of those through the dependency graph.
 */
function ownStartTimes(live: string, compiled: string, atomics: string[]): number {
  const out = spawnSync(process.execPath, [S6RC, 'history', '-l', live, '--json'], { encoding: 'utf8', env: BENCH_ENV, maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`s6rc history exited ${out.status}: ${out.stderr}`);
  const started = new Map<string, number>();
  const own = new Map<string, number>();
  for (const line of out.stdout.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as LogEvent;
    if (!e.service) continue;
    const t = Date.parse(e.time);
    if (e.event === 'run.spawned' || (e.event === 'script.spawned' && !started.has(e.service))) started.set(e.service, t);
    if (e.event === 'readiness.notified' || e.event === 'script.exited') own.set(e.service, t - (started.get(e.service) ?? t));
  }
  const deps = new Map(atomics.map((s) => [s, JSON.parse(s6rcOk(['db', '-c', compiled, '--json', 'dependencies', s])) as string[]]));
  const path = new Map<string, number>();
  const longest = (s: string): number => {
    if (!path.has(s)) path.set(s, (own.get(s) ?? 0) + Math.max(0, ...(deps.get(s) ?? []).map(longest)));
    return path.get(s)!;
  };
  return Math.max(0, ...atomics.map(longest));
}

/** One `s6rc boot examples/webstack`: ms until "default up", and the services' own critical path. */
async function bootOnce(root: string, i: number, compiled: string, atomics: string[]): Promise<{ total: number; own: number }> {
  const live = join(root, `boot${i}`);
  const env = { ...BENCH_ENV, WEBSTACK_STATE: join(root, `state${i}`) };
  const t0 = performance.now();
  const boot = spawn(process.execPath, [S6RC, 'boot', '-l', live, join(ROOT, 'examples/webstack')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let supervisor = 0;
  try {
    const total = await new Promise<number>((resolve, reject) => {
      let err = '';
      boot.stderr!.setEncoding('utf8');
      boot.stderr!.on('data', (chunk: string) => {
        err += chunk;
        if (err.includes('default up')) resolve(performance.now() - t0);
      });
      boot.once('exit', (code) => reject(new Error(`boot exited ${code} before default was up: ${err}`)));
    });
    supervisor = readPid(live);
    return { total, own: ownStartTimes(live, compiled, atomics) };
  } finally {
    if (!supervisor) {
      try {
        supervisor = readPid(live);
      } catch {
        /* never started */
      }
    }
    const exited = new Promise((r) => (boot.exitCode !== null ? r(null) : boot.once('exit', r)));
    boot.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (boot.exitCode === null) boot.kill('SIGKILL');
    if (supervisor) killLive(live, supervisor, 5000);
  }
}

async function bootRows(root: string, rounds: number): Promise<Row[]> {
  const compiled = join(root, 'webstack.db');
  s6rcOk(['compile', compiled, join(ROOT, 'examples/webstack')]);
  const atomics = JSON.parse(s6rcOk(['db', '-c', compiled, '--json', 'all-dependencies', 'default'])) as string[];
  const over: number[] = [];
  const totals: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) {
    base.push(nodeOnce());
    const { total, own } = await bootOnce(root, i, compiled, atomics);
    totals.push(total);
    over.push(total - own);
  }
  const node = median(base);
  return [
    row(
      'boot examples/webstack → default up, minus the services’ own start times',
      median(over),
      node,
      BOOT_TARGET,
      `; whole boot ${median(totals).toFixed(0)} ms; runs ${over.map((x) => x.toFixed(0)).join('/')}`,
    ),
  ];
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-startup-'));
  try {
    return [...(await initAndShutdown(root, ctx.quick ? 3 : 9)), ...(await bootRows(root, ctx.quick ? 2 : 5))];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
