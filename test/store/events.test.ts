import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  appendEvents,
  closeEventStore,
  endChange,
  flushEvents,
  openEventStore,
  readActorStates,
  readEvents,
  readLiveSet,
  setLive,
  startBoot,
  startChange,
  type EventStore,
} from '../../store/events/index.js';
import { existsSync, statSync } from 'node:fs';
import { checkpointIdle, IDLE_CHECKPOINT_MS } from '../../store/events/idleCheckpoint.js';
import { openReader } from '../../store/events/openReader.js';
import { tempDir } from '../helpers/cli.js';
import { MIGRATIONS } from '../../store/events/schema.js';
import { until } from '../helpers/supervisor.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function fresh(): EventStore {
  const t = tempDir('s6rc-store-');
  const store = openEventStore(join(t.dir, 'events.db'));
  cleanups.push(t.cleanup, () => closeEventStore(store));
  startBoot(store, '/live', '/compiled');
  return store;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('event store', () => {
  it('migrates a new file to the newest schema, WAL', () => {
    const s = fresh();
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.boot).toBe(1);
  });

  it('commits everything appended in one turn in one transaction, with projections', async () => {
    const s = fresh();
    let commits = 0;
    s.onCommit = () => commits++;
    appendEvents(s, [{ type: 'run.spawned', service: 'a', from: 'down', to: 'starting', payload: { pid: 1 }, actorState: { state: 'starting', context: { pid: 1 } } }]);
    appendEvents(s, [{ type: 'readiness.notified', service: 'a', from: 'starting', to: 'ready', actorState: { state: 'ready', context: { pid: 1, ready: true } } }]);
    setLive(s, 'a', true, null);
    expect(readEvents(s)).toHaveLength(0); // not yet committed
    await tick();
    expect(commits).toBe(1);
    const events = readEvents(s);
    expect(events.map((e) => e.type)).toEqual(['run.spawned', 'readiness.notified', 'live.up']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0].payload).toEqual({ pid: 1 });
    expect(events[0].boot).toBe(1);
    expect(readActorStates(s).get('a')).toEqual({ state: 'ready', context: { pid: 1, ready: true }, seq: 2 });
    expect(readLiveSet(s)).toEqual(new Set(['a']));
    setLive(s, 'a', false, null);
    flushEvents(s);
    expect(readLiveSet(s).size).toBe(0);
  });

  it('records change invocations in `changes` and as events', () => {
    const s = fresh();
    const id = startChange(s, ['change', '-u', 'web'], 'root');
    endChange(s, id, 1, 3, 1);
    flushEvents(s);
    const row = s.db.prepare('SELECT * FROM changes WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row).toMatchObject({ id: 1, boot: 1, argv: '["change","-u","web"]', user: 'root', exit_code: 1, done: 3, failed: 1 });
    expect(readEvents(s).map((e) => [e.type, e.changeId])).toEqual([['change.started', 1], ['change.ended', 1]]);
  });

  it('continues sequence numbers and change ids across reopen', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const a = openEventStore(path);
    startBoot(a, '/l', '/c');
    appendEvents(a, [{ type: 'x' }, { type: 'y' }]);
    startChange(a, [], 'u');
    closeEventStore(a);
    const b = openEventStore(path);
    cleanups.push(() => closeEventStore(b));
    expect(b.nextSeq).toBe(4);
    expect(b.nextChangeId).toBe(2);
    expect(b.boot).toBe(1);
  });

  it('keeps the queue and retries when the disk is full, losing no committed event', async () => {
    const s = fresh();
    const reports: string[] = [];
    s.report = (l) => reports.push(l);
    appendEvents(s, [{ type: 'committed.before', payload: { n: 1 } }]);
    flushEvents(s);
    // Cap the file at its current size: the next commit fails with SQLITE_FULL.
    const pages = s.db.pragma('page_count', { simple: true }) as number;
    s.db.pragma(`max_page_count = ${pages}`);
    appendEvents(s, Array.from({ length: 2000 }, (_, i) => ({ type: 'big', payload: { blob: 'x'.repeat(500), i } })));
    expect(flushEvents(s)).toBe(false);
    expect(s.queue.length).toBe(2000);
    // It keeps running and retrying: a warning, not a fatal error.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^s6rc: warning: event store .*: cannot commit: SQLITE_FULL: .*; keeping 2000 queued writes in memory and retrying every 1s$/);
    expect(readEvents(s).map((e) => e.type)).toEqual(['committed.before']);
    s.db.pragma('max_page_count = 1073741823');
    expect(flushEvents(s)).toBe(true);
    expect(readEvents(s)).toHaveLength(2001);
    expect(readEvents(s).at(-1)!.payload.i).toBe(1999);
  });

  it('reports writes still queued when it closes as fatal: they are lost', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const s = openEventStore(join(t.dir, 'events.db'));
    startBoot(s, '/live', '/compiled');
    flushEvents(s);
    const reports: string[] = [];
    s.report = (l) => reports.push(l);
    s.db.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true }) as number}`);
    appendEvents(s, Array.from({ length: 2000 }, (_, i) => ({ type: 'big', payload: { blob: 'x'.repeat(500), i } })));
    expect(flushEvents(s)).toBe(false);
    expect(closeEventStore(s)).toBe(2000);
    expect(reports.map((r) => r.split(':')[1].trim())).toEqual(['warning', 'fatal']);
    expect(reports[1]).toMatch(/^s6rc: fatal: event store .*: 2000 queued writes could not be committed before exit$/);
  });

  /** Appends `n` events of about 400 bytes of payload in batches of 1000, committing each batch. */
  const burst = (s: EventStore, n: number) => {
    for (let i = 0; i < n; i += 1000) {
      appendEvents(s, Array.from({ length: 1000 }, (_, j) => ({ type: 'run.spawned', service: `svc${j}`, payload: { pid: i + j, blob: 'x'.repeat(400) } })));
      flushEvents(s);
    }
  };
  const walBytes = (s: EventStore) => (existsSync(`${s.path}-wal`) ? statSync(`${s.path}-wal`).size : 0);
  const WAL_BOUND = 64 * 1024;

  it('truncates the WAL once the log goes idle after a burst', async () => {
    const s = fresh();
    burst(s, 10_000);
    expect(walBytes(s)).toBeGreaterThan(2 * 1024 * 1024);
    await until(() => walBytes(s) < WAL_BOUND, IDLE_CHECKPOINT_MS + 3000, 'the WAL to shrink');
    expect(readEvents(s)).toHaveLength(10_000);
  });

  it('never waits for a reader to checkpoint when idle, and truncates once the reader is gone', async () => {
    const s = fresh();
    burst(s, 10_000);
    const reader = openReader(s.path);
    cleanups.push(() => reader.close());
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM events').get(); // holds a snapshot that reads from the WAL
    burst(s, 1000);
    const t0 = performance.now();
    expect(checkpointIdle(s)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(walBytes(s)).toBeGreaterThan(WAL_BOUND);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    // The idle timer meets the reader too: it tries again later instead of waiting.
    await new Promise((r) => setTimeout(r, IDLE_CHECKPOINT_MS + 100));
    expect(s.checkpointRetries).toBeGreaterThan(0);
    expect(walBytes(s)).toBeGreaterThan(WAL_BOUND);
    reader.exec('COMMIT');
    await until(() => walBytes(s) < WAL_BOUND, 5000, 'the WAL to shrink after the reader left');
  });

  it('sustains at least 50,000 events/s in a burst', () => {
    const s = fresh();
    // The machine is shared: measure the CPU time this process spent (user + system,
    // the SQLite work included: better-sqlite3 runs on this thread), not wall time,
    // which other processes' load inflates; and take the best of three bursts of 30,000 events.
    let best = 0;
    for (let round = 0; round < 3 && best < 50_000; round++) {
      const n = 30_000;
      const t0 = process.cpuUsage();
      for (let i = 0; i < n; i += 1000) {
        appendEvents(
          s,
          Array.from({ length: 1000 }, (_, j) => ({
            type: 'run.spawned',
            service: `svc${(i + j) % 1000}`,
            from: 'down',
            to: 'starting',
            payload: { pid: i + j, startTime: '12345', time: 1 },
            actorState: { state: 'starting', context: { pid: i + j, wantedUp: true } },
          })),
        );
        flushEvents(s);
      }
      const cpu = process.cpuUsage(t0);
      best = Math.max(best, n / ((cpu.user + cpu.system) / 1e6));
    }
    expect(readEvents(s, { type: 'run.spawned' }).length).toBeGreaterThanOrEqual(30_000);
    expect(best).toBeGreaterThan(50_000);
  });
});
