/**
 * The audit-log suite: a 1,000,000-event log written through the store's own
 * append path (cached under the temp directory, keyed by schema version), then
 * `history --service X --limit 100`, `history --changes` and `replay` with
 * checkpoints as whole processes, each next to the CLI's own start
 * (`s6rc history --help`, which loads the same modules but reads nothing), and
 * the append throughput of the store under a burst.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSource } from '../generate.js';
import { median, s6rcTime, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';
import { compileSources } from '../../store/source/compileSources.js';
import { writeCompiled } from '../../store/compiled/writeCompiled.js';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import { MIGRATIONS } from '../../store/events/schema.js';
import { openEventStore } from '../../store/events/open.js';
import type { EventStore } from '../../store/events/types.js';

const SERVICES = 100;
/** Bump when the generated log changes shape. */
const FIXTURE_VERSION = 1;
const QUERY_TARGET_MS = 100;
const REPLAY_TARGET_MS = 2000;
const APPEND_TARGET = 50_000;

/** A live directory holding a compiled database of SERVICES longruns and an event log of `events` events. */
function fixture(events: number): { live: string; services: string[]; seconds: number | null } {
  const dir = join(tmpdir(), `s6rc-bench-history-s${MIGRATIONS.length}-f${FIXTURE_VERSION}-${events}`);
  const live = join(dir, 'live');
  const { names } = generateSource(join(dir, 'source-tmp'), { shape: 'dag', count: SERVICES, kind: 'longrun', seed: 7 });
  rmSync(join(dir, 'source-tmp'), { recursive: true, force: true });
  if (existsSync(join(live, 'events.db'))) {
    // The cached log is kept; a compiled database from an older s6rc is rebuilt (cheap).
    try {
      loadCompiled(join(live, 'compiled'));
    } catch {
      rmSync(join(live, 'compiled'), { force: true });
      rmSync(join(dir, 'source'), { recursive: true, force: true });
      generateSource(join(dir, 'source'), { shape: 'dag', count: SERVICES, kind: 'longrun', seed: 7 });
      writeCompiled(compileSources([join(dir, 'source')]), join(live, 'compiled'));
    }
    return { live, services: names, seconds: null };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(live, { recursive: true, mode: 0o700 });
  generateSource(join(dir, 'source'), { shape: 'dag', count: SERVICES, kind: 'longrun', seed: 7 });
  writeCompiled(compileSources([join(dir, 'source')]), join(live, 'compiled'));
  const t0 = performance.now();
  const tmp = join(live, 'events.db.building');
  const store = openEventStore(tmp);
  writeLog(store, live, names, events);
  store.close();
  renameSync(tmp, join(live, 'events.db'));
  return { live, services: names, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Changes alternately bring every service up (up → run.spawned →
 * readiness.notified → live.up) and down (down → run.exited → live.down), as
 * the supervisor records them, until `total` events are written.
 */
function writeLog(store: EventStore, live: string, names: string[], total: number): void {
  let time = Date.parse('2026-01-01T00:00:00Z');
  store.startBoot(live, join(live, 'compiled'), time);
  let pid = 1000;
  let up = true;
  const ctx = {};
  // The next sequence number: what the log holds plus what is queued.
  const nextSeq = () => store.lastSeq() + store.pending + 1;
  while (nextSeq() <= total - (names.length * 4 + 2)) {
    const id = store.startChange(['s6rc', up ? '-u' : '-d', 'change', 'all'], 'bench', ++time);
    for (const s of names) {
      time += 1;
      if (up) {
        pid++;
        store.append([
          { type: 'up', service: s, changeId: id, time, from: 'down', to: 'starting', payload: { changeId: id, time }, actorState: { state: 'starting', context: ctx } },
          { type: 'run.spawned', service: s, changeId: id, time, from: 'starting', to: 'up-unready', payload: { pid, startTime: '1', time }, actorState: { state: 'up-unready', context: ctx } },
          { type: 'readiness.notified', service: s, changeId: id, time: time + 1, from: 'up-unready', to: 'ready', payload: { via: 'fd', time: time + 1 }, actorState: { state: 'ready', context: ctx } },
        ]);
        store.setLive(s, true, id, time + 1);
      } else {
        store.append([
          { type: 'down', service: s, changeId: id, time, from: 'ready', to: 'stopping', payload: { changeId: id, time }, actorState: { state: 'stopping', context: ctx } },
          { type: 'run.exited', service: s, changeId: id, time: time + 1, from: 'stopping', to: 'down', payload: { pid, code: null, signal: 'SIGTERM', time: time + 1 }, actorState: { state: 'down', context: ctx } },
        ]);
        store.setLive(s, false, id, time + 1);
      }
    }
    store.endChange(id, 0, names.length, 0, ++time);
    if (store.pending > 20_000) store.flush();
    up = !up;
  }
  while (nextSeq() <= total) store.append([{ type: 'supervisor.note', time: ++time, payload: { filler: true } }]);
  store.flush();
}

/** Events per second the store commits when a burst of single appends arrives in one event-loop turn after another. */
async function appendThroughput(events: number, perTurn: number): Promise<number> {
  const dir = join(tmpdir(), `s6rc-bench-append-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const store = openEventStore(join(dir, 'events.db'));
    store.startBoot(dir, join(dir, 'compiled'));
    let committed = 0;
    const done = new Promise<void>((resolve) => {
      store.onCommit((rows) => {
        committed += rows.length;
        if (committed >= events) resolve();
      });
    });
    const t0 = performance.now();
    // `perTurn` actors each report an event per turn, the way the supervisor's sinks append.
    for (let sent = 0; sent < events; ) {
      for (let i = 0; i < perTurn && sent < events; i++, sent++) {
        store.append([{ type: 'run.spawned', service: `s${i}`, from: 'starting', to: 'up-unready', payload: { pid: sent, startTime: '1' }, actorState: { state: 'up-unready', context: { pid: sent } } }]);
      }
      await new Promise((r) => setImmediate(r));
    }
    await done;
    const seconds = (performance.now() - t0) / 1000;
    store.close();
    return events / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const events = ctx.quick ? 100_000 : 1_000_000;
  const rows: Row[] = [];
  const fx = fixture(events);
  const runs = ctx.quick ? 5 : 9;
  const cliStart = median(Array.from({ length: runs }, () => s6rcTime(['history', '--help'])));
  const node = ctx.nodeBaseline();
  rows.push({ suite: 'history', case: 'CLI start: s6rc history --help', median: cliStart, vsNode: cliStart / node, note: `node -e 0: ${node.toFixed(1)} ms` });
  if (fx.seconds !== null) {
    rows.push({ suite: 'history', case: `write ${events.toLocaleString('en')} events (fixture, append path)`, median: events / fx.seconds, unit: 'ev/s', note: `${fx.seconds.toFixed(1)} s, cached in ${tmpdir()}` });
  }
  const beyond = (name: string, args: string[]) => {
    const m = median(Array.from({ length: runs }, () => s6rcTime(args)));
    const extra = m - cliStart;
    rows.push({
      suite: 'history',
      case: `${name} (${events.toLocaleString('en')} events)`,
      median: m,
      vsNode: m / node,
      target: `< ${QUERY_TARGET_MS} ms beyond CLI start`,
      note: `${extra.toFixed(1)} ms beyond CLI start: ${extra < QUERY_TARGET_MS ? 'ok' : 'MISSED'}`,
    });
  };
  const service = fx.services[Math.floor(fx.services.length / 2)];
  beyond(`history --service ${service} --limit 100`, ['history', '-l', fx.live, '--service', service, '--limit', '100']);
  beyond('history --changes', ['history', '-l', fx.live, '--changes']);
  beyond('history --changes --limit 20', ['history', '-l', fx.live, '--changes', '--limit', '20']);
  // The first replay of a log folds it all and stores checkpoints; later ones start from the newest.
  const first = s6rcTime(['replay', '-l', fx.live]);
  rows.push({ suite: 'history', case: 'replay, first run (stores missing checkpoints)', median: first, note: 'folds whatever no checkpoint covers yet' });
  const replay = median(Array.from({ length: ctx.quick ? 3 : 5 }, () => s6rcTime(['replay', '-l', fx.live])));
  rows.push({
    suite: 'history',
    case: `replay with checkpoints (${events.toLocaleString('en')} events)`,
    median: replay,
    vsNode: replay / node,
    target: `< ${REPLAY_TARGET_MS} ms`,
    note: replay < REPLAY_TARGET_MS ? 'ok' : 'MISSED',
  });
  // The worst case: just before the next checkpoint, so 49,999 events are folded after the newest one.
  const { CHECKPOINT_INTERVAL } = await import('../../store/events/replay.js');
  const worst = Math.floor(events * 0.4 / CHECKPOINT_INTERVAL) * CHECKPOINT_INTERVAL - 1;
  const at = median(Array.from({ length: 3 }, () => s6rcTime(['replay', '-l', fx.live, '--at', String(worst)])));
  rows.push({
    suite: 'history',
    case: `replay --at ${worst} (${CHECKPOINT_INTERVAL - 1} events after a checkpoint)`,
    median: at,
    target: `< ${REPLAY_TARGET_MS} ms`,
    note: at < REPLAY_TARGET_MS ? 'ok' : 'MISSED',
  });
  for (const perTurn of [1000, 10_000]) {
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) xs.push(await appendThroughput(ctx.quick ? 100_000 : 300_000, perTurn));
    const rate = median(xs);
    rows.push({
      suite: 'history',
      case: `append burst (${perTurn.toLocaleString('en')} actors × 1 event per turn)`,
      median: rate,
      unit: 'ev/s',
      target: `>= ${APPEND_TARGET.toLocaleString('en')} ev/s`,
      note: rate >= APPEND_TARGET ? 'ok' : 'MISSED',
    });
  }
  return rows;
}
