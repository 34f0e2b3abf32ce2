/**
 * The metrics suite: 1000 readiness-notifying longruns brought up by one
 * request with `--metrics` on and a scraper GETting /metrics every second
 * (as Prometheus with `scrape_interval: 1s`), against the same without
 * metrics, alternated in one run (target < 1.1×), with the supervisor's own
 * CPU time for the bring-up beside the wall time (on a busy host the wall
 * time of one bring-up varies far more than the CPU it takes); then what one scrape of
 * those 1000 ready services costs the supervisor (CPU per scrape, read from
 * /proc) and how big it is; and the collector alone, in this process, on
 * 1000 and 10,000 made-up statuses (no processes needed for 10,000).
 *
 * Its helpers mirror supervisor.ts's (one compiled source, `init`, one `up`
 * request over the control socket, teardown by pid), with `--metrics` added.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics } from '../../actors/supervisor/metrics/collector.js';
import type { ServiceHandle, ServiceStatus } from '../../actors/service/types.js';
import type { CompiledModel } from '../../machines/model.js';
import { writeLongruns } from '../generate.js';
import { bringAllUp, killLive, s6rcOk } from '../live.js';
import { median, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const TARGET = 1.1;
const SCRAPE_INTERVAL_MS = 1000;

interface Live {
  root: string;
  live: string;
  pid: number;
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `s${String(i).padStart(5, '0')}`);

/** `count` independent longruns that notify readiness on fd 3, compiled and initialised with `initArgs`. */
function initLive(count: number, initArgs: string[]): Live {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-metrics-'));
  const src = join(root, 'src');
  writeLongruns(src, names(count));
  const live = join(root, 'live');
  s6rcOk(['compile', join(root, 'compiled'), src]);
  s6rcOk(['init', '-c', join(root, 'compiled'), '-l', live, ...initArgs]);
  return { root, live, pid: Number(readFileSync(join(live, 'pid'), 'utf8')) };
}

/** Stops the supervisor and what works in its live directory, by pid (bench/live.ts), and removes it all. */
function teardown(l: Live): void {
  killLive(l.live, l.pid);
  rmSync(l.root, { recursive: true, force: true });
}

/** A port nothing listens on right now (the OS's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One GET of /metrics as Prometheus makes it (gzip accepted): its wall time and the size of what came. */
function scrapeOnce(port: number): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    get({ host: '127.0.0.1', port, path: '/metrics', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - t0, bytes }) : reject(new Error(`GET /metrics: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** Scrapes every `interval` ms (the first at once) until stopped; returns how many scrapes succeeded. */
function scraper(port: number, interval: number): () => number {
  let done = 0;
  const tick = () => void scrapeOnce(port).then(() => done++, () => {});
  tick();
  const timer = setInterval(tick, interval);
  return () => {
    clearInterval(timer);
    return done;
  };
}

/** The supervisor's resident memory. */
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** The supervisor's CPU time so far, ms (utime + stime of /proc/PID/stat). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks: 100 per second on Linux
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const n = ctx.quick ? 100 : 1000;
  const rounds = ctx.quick ? 2 : 4;
  const off: number[] = [];
  const on: number[] = [];
  const cpuOff: number[] = [];
  const cpuOn: number[] = [];
  const scrapes: number[] = [];
  let cost: Row[] = [];
  let rssOff = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first: the machine is shared and drifts.
    for (const metrics of round % 2 ? [true, false] : [false, true]) {
      const port = metrics ? await freePort() : 0;
      const l = initLive(n, metrics ? ['--metrics', String(port)] : []);
      try {
        const stop = metrics ? scraper(port, SCRAPE_INTERVAL_MS) : null;
        const cpu0 = cpuMs(l.pid);
        const ms = await bringAllUp(l.live, names(n));
        (metrics ? cpuOn : cpuOff).push(cpuMs(l.pid) - cpu0);
        if (stop) scrapes.push(stop());
        (metrics ? on : off).push(ms);
        if (round === 0) {
          await new Promise((r) => setTimeout(r, 500));
          if (!metrics) rssOff = rssMiB(l.pid);
        }
        // Round 0 runs without metrics first: its RSS is there to compare.
        if (metrics && cost.length === 0) cost = await scrapeCost(l.pid, port, n, rssOff);
      } finally {
        teardown(l);
      }
    }
  }
  const ratio = median(on) / median(off);
  return [
    {
      suite: 'metrics',
      case: `${n} longruns: one up request → all ready, --metrics scraped every ${SCRAPE_INTERVAL_MS / 1000} s`,
      median: median(on),
      target: `< ${TARGET}× without`,
      note: `${ratio < TARGET ? 'ok' : 'MISSED'}: ${ratio.toFixed(2)}× without metrics (${median(off).toFixed(0)} ms; runs ${on.map((x) => x.toFixed(0)).join('/')} vs ${off.map((x) => x.toFixed(0)).join('/')}; scrapes during the bring-up ${scrapes.join('/')})`,
    },
    {
      suite: 'metrics',
      case: `${n} longruns up, the supervisor's CPU, --metrics scraped every ${SCRAPE_INTERVAL_MS / 1000} s`,
      median: median(cpuOn),
      unit: 'ms CPU',
      note: `${(median(cpuOn) / median(cpuOff)).toFixed(2)}× without metrics (${median(cpuOff).toFixed(0)} ms; runs ${cpuOn.map((x) => x.toFixed(0)).join('/')} vs ${cpuOff.map((x) => x.toFixed(0)).join('/')})`,
    },
    ...cost,
    ...(await collectorCost(ctx.quick ? [1000] : [1000, 10_000])),
  ];
}

/** The collector alone on `sizes` made-up ready longruns: CPU ms per scrape (statuses read, text made). */
async function collectorCost(sizes: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const services = new Map<string, ServiceHandle>();
    const types = new Map<string, { type: string }>();
    for (const name of names(n)) {
      const status: ServiceStatus = { name, type: 'longrun', state: 'ready', wantedUp: true, pid: 4242, exitCode: null, signal: null, paused: false, updownSince: Date.now(), readySince: Date.now(), deathTally: 0, deaths: 0, error: null };
      services.set(name, { name, status: () => ({ ...status }) } as unknown as ServiceHandle);
      types.set(name, { type: 'longrun' });
    }
    const metrics = createMetrics({ services, model: { services: types } as unknown as CompiledModel, storePath: '/nonexistent' });
    for (let i = 0; i < 3; i++) await metrics.scrape(); // warm
    const runs = n >= 10_000 ? 5 : 20;
    const cpu: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const before = process.cpuUsage();
      bytes = (await metrics.scrape()).reduce((n, b) => n + b.length, 0);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    rows.push({ suite: 'metrics', case: `collector alone: one scrape of ${n} ready longruns, none changed since the last`, median: median(cpu), unit: 'ms CPU', note: `${(bytes / 1024).toFixed(0)} KiB of text` });
  }
  return rows;
}

/** With `n` ready services: the supervisor's CPU per scrape (20 back to back), one scrape's wall time and size, its RSS after them against `rssOff` (the same without metrics). */
async function scrapeCost(pid: number, port: number, n: number, rssOff: number): Promise<Row[]> {
  await scrapeOnce(port); // warm
  const runs = 20;
  const walls: number[] = [];
  let bytes = 0;
  const before = cpuMs(pid);
  for (let i = 0; i < runs; i++) {
    const r = await scrapeOnce(port);
    walls.push(r.ms);
    bytes = r.bytes;
  }
  const perScrape = (cpuMs(pid) - before) / runs;
  return [
    {
      suite: 'metrics',
      case: `one scrape of /metrics, ${n} ready longruns`,
      median: median(walls),
      note: `supervisor CPU ${perScrape.toFixed(1)} ms per scrape, its zlib thread included (${runs} scrapes); ${(bytes / 1024).toFixed(0)} KiB gzipped; RSS ${rssMiB(pid).toFixed(1)} MiB after them, ${rssOff.toFixed(1)} MiB without metrics`,
    },
  ];
}
