/**
 * Soak (issue 13, "Soak"): N up/down cycles of a 50-service stack (longruns
 * with and without readiness, oneshots, dependencies drawn from the seed),
 * with a crash-looping longrun throughout and the log pruned as it goes
 * (`history --prune-before`). At cycle N/10 and at cycle N it samples the
 * supervisor's RSS and open fds (medians of a few samples after a settle) and
 * the event log's write rate (events and payload bytes per cycle over the last
 * cycles), and asserts each flat within 10 %; the log file stays bounded and,
 * at the end, the live projection, status and `replay --verify` agree.
 *
 * N counts after 25 warm-up cycles (the heap and the JIT reach their working
 * size in the first few dozen). Short in `npm test` (S6RC_TORTURE_COUNT
 * overrides N); 10,000 cycles under
 * `npm run torture`. It prints its figures either way.
 */
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type S6rcClient } from '../../api/index.js';
import { initLive, type SourceService, type TestLive } from '../helpers/supervisor.js';
import { budget, timeout, torture } from './budget.js';

const lives: TestLive[] = [];
const clients: S6rcClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  while (lives.length) lives.pop()!.cleanup();
});

const STACK = 50;

/** Cycles run before counting starts. */
const WARMUP = 25;

/** The stack for one seed: 20 longruns with readiness, 20 without, 10 oneshots; each may depend on up to two earlier ones. */
function stack(seed: number): Record<string, SourceService> {
  const draw = fc.sample(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: STACK, maxLength: STACK }), { seed, numRuns: 1 })[0];
  const services: Record<string, SourceService> = {};
  const names: string[] = [];
  draw.forEach(([a, b, two], i) => {
    const name = `s${String(i).padStart(2, '0')}`;
    const deps = i === 0 ? [] : [...new Set([names[a % i], ...(two ? [names[b % i]] : [])])];
    const kind = i % 5;
    if (kind === 4) services[name] = { type: 'oneshot', up: 'true', down: 'true', dependencies: deps };
    else if (kind % 2 === 0) services[name] = { type: 'longrun', notificationFd: 3, run: 'echo >&3\nexec sleep 100000', dependencies: deps };
    else services[name] = { type: 'longrun', run: 'exec sleep 100000', dependencies: deps };
    names.push(name);
  });
  services.stack = { type: 'bundle', contents: names };
  // Up for a moment, then dead, restarted at most once a second: for the whole run.
  services.crasher = { type: 'longrun', notificationFd: 3, run: 'echo >&3\nsleep 0.2\nexit 1' };
  return services;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS (kB) and open fds of `pid`: medians of 5 samples 200 ms apart, after a 1 s settle. */
async function footprint(pid: number): Promise<{ rssKiB: number; fds: number }> {
  await pause(1000);
  const rss: number[] = [];
  const fds: number[] = [];
  for (let i = 0; i < 5; i++) {
    rss.push(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]));
    fds.push(readdirSync(`/proc/${pid}/fd`).length);
    await pause(200);
  }
  return { rssKiB: median(rss), fds: median(fds) };
}

/** Events and payload bytes the log holds in (after, upTo]. */
function written(store: string, after: number, upTo: number): { events: number; bytes: number } {
  const db = new Database(store, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const r = db
      .prepare('SELECT COUNT(*) AS events, COALESCE(SUM(length(payload) + length(type) + COALESCE(length(service), 0) + 40), 0) AS bytes FROM events WHERE seq > ? AND seq <= ?')
      .get(after, upTo) as { events: number; bytes: number };
    return r;
  } finally {
    db.close();
  }
}

function lastSeq(store: string): number {
  const db = new Database(store, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }).s;
  } finally {
    db.close();
  }
}

const fileBytes = (store: string) => statSync(store).size + (() => { try { return statSync(`${store}-wal`).size; } catch { return 0; } })();

interface Sample {
  cycle: number;
  rssKiB: number;
  fds: number;
  eventsPerCycle: number;
  bytesPerCycle: number;
  logFileBytes: number;
  msPerCycle: number;
}

/** A progress line, on stdout and (S6RC_SOAK_LOG) appended to a file, to follow a long run as it goes. */
function progress(line: string): void {
  process.stdout.write(line + '\n');
  if (process.env.S6RC_SOAK_LOG) appendFileSync(process.env.S6RC_SOAK_LOG, `${new Date().toISOString()} ${line}\n`);
}

const describeSample = (x: Sample) =>
  `cycle ${x.cycle}: RSS ${x.rssKiB} kB, ${x.fds} fds, ${x.eventsPerCycle.toFixed(1)} events and ${(x.bytesPerCycle / 1024).toFixed(1)} KiB per cycle, ` +
  `log file ${(x.logFileBytes / 1024).toFixed(0)} KiB, ${x.msPerCycle.toFixed(0)} ms per cycle`;

describe('soak', () => {
  it(
    'N up/down cycles of 50 services with a crash loop: RSS, fds and the log write rate stay flat, the log bounded by pruning',
    async () => {
      const { seed, numRuns: cycles } = budget('soak', { short: 40, long: 10_000 });
      const first = Math.max(5, Math.round(cycles / 10));
      const window = Math.max(5, Math.round(cycles / 50));
      const pruneEvery = Math.max(10, Math.round(cycles / 20));
      expect(WARMUP + cycles).toBeGreaterThanOrEqual(3 * pruneEvery);
      const l = initLive(stack(seed), lives);
      const store = join(l.live, 'events.db');
      const pid = l.supervisorPid()!;
      const s6rc = await connect({ live: l.live });
      clients.push(s6rc);
      expect((await s6rc.change({ up: ['crasher'] })).exitCode).toBe(0);

      const cycleStart: number[] = [];
      const seqAt: number[] = [];
      const samples: Sample[] = [];
      let plateau = 0;
      let t0 = Date.now();
      for (let c = 1; c <= WARMUP + cycles; c++) {
        // Cycles are counted after the warm-up (V8's heap and JIT grow to their working size in the first few dozen).
        const m = c - WARMUP;
        if (m === 1) t0 = Date.now();
        cycleStart[c] = Date.now();
        seqAt[c] = lastSeq(store);
        const up = await s6rc.change({ up: ['stack'] });
        expect(up.exitCode, `cycle ${c} up`).toBe(0);
        const down = await s6rc.change({ down: ['stack'] });
        expect(down.exitCode, `cycle ${c} down`).toBe(0);
        if (c % pruneEvery === 0 && c > pruneEvery) {
          // Keep the last pruneEvery cycles: the log stays bounded while the supervisor writes on.
          const r = l.run('history', '--prune-before', new Date(cycleStart[c - pruneEvery]).toISOString());
          expect(r.code, r.stderr).toBe(0);
          if (c === 3 * pruneEvery) plateau = fileBytes(store);
        }
        // Every N/10 cycles in the long run (a trajectory to read); at N/10 and N only in the short one (each sample takes 2 s).
        if (m > 0 && (m === first || m === cycles || (torture && m % first === 0))) {
          const upTo = lastSeq(store);
          const w = written(store, seqAt[c - window + 1], upTo);
          const ms = (Date.now() - cycleStart[c - window + 1]) / window;
          samples.push({ cycle: m, ...(await footprint(pid)), eventsPerCycle: w.events / window, bytesPerCycle: w.bytes / window, logFileBytes: fileBytes(store), msPerCycle: ms });
          progress(`soak: ${describeSample(samples.at(-1)!)}`);
        }
      }
      const early = samples.find((x) => x.cycle === first)!;
      const late = samples.at(-1)!;
      process.stdout.write(
        `soak figures (seed ${seed}, ${cycles} cycles, ${((Date.now() - t0) / cycles).toFixed(0)} ms per cycle overall):\n` +
          samples.map((x) => `  ${describeSample(x)}\n`).join(''),
      );
      // Flat: the figures at the end within 10 % of those at a tenth of the run (RSS and fds may only be lower).
      expect(late.rssKiB).toBeLessThanOrEqual(early.rssKiB * 1.1);
      expect(late.fds).toBeLessThanOrEqual(Math.ceil(early.fds * 1.1));
      expect(Math.abs(late.eventsPerCycle / early.eventsPerCycle - 1)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(late.bytesPerCycle / early.bytesPerCycle - 1)).toBeLessThanOrEqual(0.1);
      // Bounded: once pruning has kept pace for a while the file stops growing with the number of cycles.
      expect(plateau).toBeGreaterThan(0);
      expect(late.logFileBytes).toBeLessThanOrEqual(plateau * 1.25);

      // The live projection survived the prunes: status, the fold and the supervisor agree, the crash loop still going.
      const status = await s6rc.status();
      expect(status.filter((s) => s.name !== 'crasher' && s.state !== 'down').map((s) => s.name)).toEqual([]);
      const verify = l.run('replay', '--verify');
      expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor\n$/);
      expect(verify.code).toBe(0);
      // The crash loop ran throughout: it died about once a second for the whole run.
      const deaths = l.run('history', '--deaths', 'crasher', '--json').stdout.trim().split('\n').filter(Boolean).length;
      expect(deaths).toBeGreaterThan(0);
    },
    timeout(170_000),
  );
});
