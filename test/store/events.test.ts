import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { checkEventLog } from '../../store/events/check.js';
import { join } from 'node:path';
import { openEventLog, openEventStore } from '../../store/events/open.js';
import { MIGRATIONS } from '../../store/events/schema.js';
import { missingEvents } from '../../store/events/replay.js';
import type { EventStore } from '../../store/events/types.js';
import { IDLE_CHECKPOINT_MS, SqliteEventStore } from '../../store/events/writer.js';
import { tempDir } from '../helpers/cli.js';
import { until } from '../helpers/supervisor.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A new store with one boot. Its own tests reach the connection (pragmas, a full disk) through the class. */
function fresh(): SqliteEventStore {
  const t = tempDir('s6rc-store-');
  const store = openEventStore(join(t.dir, 'events.db')) as SqliteEventStore;
  cleanups.push(t.cleanup, () => store.close());
  store.startBoot('/live', '/compiled');
  return store;
}

const events = (s: EventStore) => s.history();

const tick = () => new Promise((r) => setImmediate(r));

describe('event store', () => {
  it('migrates a new file to the newest schema, WAL', () => {
    const s = fresh();
    expect(s.connection.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.boot).toBe(1);
  });

  it('commits everything appended in one turn in one transaction, with projections', async () => {
    const s = fresh();
    let commits = 0;
    s.onCommit(() => commits++);
    s.append([{ type: 'run.spawned', service: 'a', from: 'down', to: 'starting', payload: { pid: 1 }, actorState: { state: 'starting', context: { pid: 1 } } }]);
    s.append([{ type: 'readiness.notified', service: 'a', from: 'starting', to: 'ready', actorState: { state: 'ready', context: { pid: 1, ready: true } } }]);
    s.setLive('a', true, null);
    expect(events(s)).toHaveLength(0); // not yet committed
    expect(s.pending).toBe(3);
    await tick();
    expect(commits).toBe(1);
    const rows = events(s);
    expect(rows.map((e) => e.type)).toEqual(['run.spawned', 'readiness.notified', 'live.up']);
    expect(rows.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(rows[0].payload).toEqual({ pid: 1 });
    expect(rows[0].boot).toBe(1);
    expect(s.actorStates().get('a')).toEqual({ state: 'ready', context: { pid: 1, ready: true }, seq: 2 });
    expect(s.liveSet()).toEqual(new Set(['a']));
    s.setLive('a', false, null);
    s.flush();
    expect(s.liveSet().size).toBe(0);
  });

  it('records change invocations in `changes` and as events', () => {
    const s = fresh();
    const id = s.startChange(['change', '-u', 'web'], 'root');
    s.endChange(id, 1, 3, 1);
    s.flush();
    expect(s.changes({ id })).toEqual([
      expect.objectContaining({ id: 1, boot: 1, argv: ['change', '-u', 'web'], user: 'root', exitCode: 1, done: 3, failed: 1, reason: null }),
    ]);
    expect(events(s).map((e) => [e.type, e.changeId])).toEqual([['change.started', 1], ['change.ended', 1]]);
  });

  it("keeps an update's plan with its change, and a log of schema 3 gets it back when migrated", () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const plan = { compiled: '/new', stop: { a: 'type' }, start: ['a'], renamed: {}, restartedAs: {}, essentialKept: [] };
    const s = openEventStore(path) as SqliteEventStore;
    s.startBoot('/live', '/compiled');
    const plain = s.startChange(['s6rc', 'change', 'a'], 'root');
    s.endChange(plain, 0, 1, 0);
    const id = s.startChange(['s6rc', 'update', '/new'], 'root');
    s.append([{ type: 'update.planned', changeId: id, payload: plan }]);
    s.endChange(id, 0, 2, 0);
    s.flush();
    expect(s.changes().map((c) => c.update)).toEqual([null, plan]);
    // As a log written before the column: schema 3, the plan only in its event.
    s.connection.exec('ALTER TABLE changes DROP COLUMN update_plan');
    s.connection.pragma('user_version = 3');
    s.close();
    const reader = openEventLog(path);
    expect(reader.changes().map((c) => c.update)).toEqual([null, null]); // read-only: not migrated
    reader.close();
    const again = openEventStore(path);
    cleanups.push(() => again.close());
    expect(again.changes().map((c) => c.update)).toEqual([null, plan]);
  });

  // Found by test/reliability/fuzz-files.test.ts, seed 200309295: a log of the newest schema whose
  // user_version said 3 passed init's check, then the supervisor re-ran migration 4 on it and died
  // with 'duplicate column name: update_plan' (init: exit 111). A version that lies is exit 4 now.
  it('refuses a log whose user_version disagrees with its schema, and leaves it as it was', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const s = openEventStore(path);
    s.startBoot('/live', '/compiled');
    s.close();
    for (const [version, why] of [
      [3, 'changes.update_plan (of version 4) is there'],
      [1, 'changes.reason (of version 2) is there'],
    ] as const) {
      const db = new Database(path);
      db.pragma(`user_version = ${version}`);
      db.close();
      const before = readFileSync(path);
      const expected = `invalid event log ${path}: corrupted (schema version ${version}, but ${why}) (move it aside to start a new log)`;
      expect(() => checkEventLog(path)).toThrow(expected);
      expect(() => openEventStore(path)).toThrow(expected);
      expect(readFileSync(path).equals(before)).toBe(true);
    }
    // And a version ahead of what the tables say: a column of version 4 missing.
    const db = new Database(path);
    db.exec('ALTER TABLE changes DROP COLUMN update_plan');
    db.pragma(`user_version = ${MIGRATIONS.length}`);
    db.close();
    expect(() => checkEventLog(path)).toThrow(`corrupted (schema version ${MIGRATIONS.length}, but changes.update_plan (of version 4) is missing)`);
  });

  // Found by test/reliability/fuzz-files.test.ts, seed 1171122724 (S6RC_TORTURE_COUNT=150): a log cut
  // short by one byte was refused by init (exit 4) but read by history, replay and plot as if whole.
  it('a reader refuses a truncated log as the writer does', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const s = openEventStore(path);
    s.startBoot('/live', '/compiled');
    s.append([{ type: 'x' }]);
    s.close();
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length - 1));
    const expected = `invalid event log ${path}: truncated (${whole.length - 1} bytes, its header says ${whole.length}) (move it aside to start a new log)`;
    expect(() => openEventLog(path)).toThrow(expected);
    expect(() => openEventStore(path)).toThrow(expected);
  });

  // Found while widening test/reliability/fuzz-files.test.ts to damage inside rows (a flip in a cell's
  // text, which SQLite cannot see): `s6rc daemon` recovering from a log whose actor_state held a context
  // that was not JSON died with 'internal error: Expected property name...' (exit 111).
  it('refuses to recover from a recorded actor state that is not a JSON object (exit 4)', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const s = openEventStore(path) as SqliteEventStore;
    s.startBoot('/live', '/compiled');
    s.connection.prepare("INSERT INTO actor_state (service, state, context, seq) VALUES ('a', 'ready', '{\"pid\":1#3', 1)").run();
    s.close();
    const reader = openEventLog(path);
    cleanups.push(() => reader.close());
    expect(() => reader.actorStates()).toThrow(`invalid event log ${path}: corrupted (the recorded state of service "a" in actor_state is not a JSON object) (move it aside to start a new log)`);
    const db = new Database(path);
    db.prepare("UPDATE actor_state SET context = 'null'").run();
    db.close();
    expect(() => reader.actorStates()).toThrow('is not a JSON object');
  });

  it('continues sequence numbers and change ids across reopen', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const a = openEventStore(path);
    a.startBoot('/l', '/c');
    a.append([{ type: 'x' }, { type: 'y' }]);
    a.startChange([], 'u');
    a.close();
    const b = openEventStore(path);
    cleanups.push(() => b.close());
    expect(b.append([{ type: 'z' }])[0].seq).toBe(4);
    expect(b.startChange([], 'v')).toBe(2);
    expect(b.boot).toBe(1);
  });

  /** A store whose failure reports are collected. */
  const reporting = (queueLimit?: number) => {
    const t = tempDir('s6rc-store-');
    const reports: string[] = [];
    const s = openEventStore(join(t.dir, 'events.db'), { report: (l) => reports.push(l), queueLimit }) as SqliteEventStore;
    cleanups.push(t.cleanup, () => s.close());
    s.startBoot('/live', '/compiled');
    return { s, reports };
  };

  it('keeps the queue and retries when the disk is full, losing no committed event', async () => {
    const { s, reports } = reporting();
    s.append([{ type: 'committed.before', payload: { n: 1 } }]);
    s.flush();
    // Cap the file at its current size: the next commit fails with SQLITE_FULL.
    const pages = s.connection.pragma('page_count', { simple: true }) as number;
    s.connection.pragma(`max_page_count = ${pages}`);
    s.append(Array.from({ length: 2000 }, (_, i) => ({ type: 'big', payload: { blob: 'x'.repeat(500), i } })));
    expect(s.flush()).toBe(false);
    expect(s.pending).toBe(2000);
    // It keeps running and retrying: a warning, not a fatal error.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^s6rc: warning: event store .*: cannot commit: SQLITE_FULL: .*; keeping 2000 queued writes in memory and retrying every 1s$/);
    expect(events(s).map((e) => e.type)).toEqual(['committed.before']);
    s.connection.pragma('max_page_count = 1073741823');
    expect(s.flush()).toBe(true);
    expect(events(s)).toHaveLength(2001);
    expect(events(s).at(-1)!.payload.i).toBe(1999);
  });

  it('past its queue bound drops service events, keeps their projection, and records them as log.dropped once it can write', () => {
    const { s, reports } = reporting(100);
    s.append([{ type: 'committed.before', service: 'a', actorState: { state: 'ready', context: { n: 0 } } }]);
    s.flush();
    s.connection.pragma(`max_page_count = ${s.connection.pragma('page_count', { simple: true }) as number}`);
    const big = (i: number) => ({ type: 'run.spawned', service: `s${i % 3}`, payload: { blob: 'x'.repeat(500), i }, actorState: { state: 'up', context: { i } } });
    s.append(Array.from({ length: 100 }, (_, i) => big(i)));
    expect(s.flush()).toBe(false);
    // Now at the bound: service events are dropped (seqs 102-131), a change-level one is kept (seq 132), more service ones dropped (133-152).
    const droppedA = s.append(Array.from({ length: 30 }, (_, i) => big(100 + i)));
    const kept = s.append([{ type: 'change.started', payload: {} }]);
    const droppedB = s.append([...Array.from({ length: 19 }, (_, i) => big(130 + i)), { type: 'live.up', service: 'a', live: true }]);
    expect(droppedA[0].seq).toBe(102);
    expect(kept[0].seq).toBe(132);
    expect(s.pending).toBe(101);
    expect(s.dropped).toBe(50);
    // A failed commit gives the record's seq back: the next try uses the same one.
    expect(s.flush()).toBe(false);
    expect(reports.filter((r) => r.includes('cannot commit'))).toHaveLength(1);
    expect(reports.filter((r) => r.includes('dropping service events'))).toHaveLength(1);
    s.connection.pragma('max_page_count = 1073741823');
    expect(s.flush()).toBe(true);
    const rows = events(s);
    const record = rows.at(-1)!;
    expect(record.type).toBe('log.dropped');
    expect(record.seq).toBe(droppedB.at(-1)!.seq + 1);
    expect(record.payload).toMatchObject({ count: 50, firstSeq: 102, lastSeq: 152, live: { a: true } });
    expect(Object.keys(record.payload.actors as object).sort()).toEqual(['s0', 's1', 's2']);
    // Nothing committed or kept is lost; exactly the dropped seqs are missing.
    expect(rows.map((r) => r.seq)).toEqual([1, ...Array.from({ length: 100 }, (_, i) => 2 + i), 132, 153]);
    expect(s.gaps()).toEqual([
      { first: 102, last: 131 },
      { first: 133, last: 152 },
    ]);
    // The projection has the newest state of every actor, dropped or not.
    expect(s.actorStates().get('s0')).toMatchObject({ state: 'up', context: { i: 147 }, seq: 150 });
    expect(s.liveSet()).toEqual(new Set(['a']));
    expect(reports.at(-1)).toMatch(/50 events \(seq 102-152\) were dropped while it could not write; recorded as log.dropped at seq 153$/);
    const missing = missingEvents(s);
    expect(missing.unrecorded).toEqual([]);
    expect(missing.recorded).toHaveLength(1);
    expect(missing.recorded[0]).toMatch(/^missing: 50 service events in seq 102-152, dropped while the event store could not write \(.*; log.dropped at seq 153\)$/);
  });

  // Found by the full-disk harness (seed 812223528) and by the crash harness (seed 778983222): `replay --verify`
  // folded to the last seq, then read the projection after the crash-looping supervisor had committed more,
  // and reported a mismatch that was not one ("replay says starting, the projection says ready").
  it('reads one snapshot inside consistent(), whatever the writer commits meanwhile', () => {
    const s = fresh();
    s.append([{ type: 'run.spawned', service: 'a', actorState: { state: 'up', context: { n: 1 } } }]);
    s.flush();
    const reader = openEventLog(s.path);
    cleanups.push(() => reader.close());
    const seen = reader.consistent(() => {
      const last = reader.lastSeq();
      s.append([{ type: 'run.exited', service: 'a', actorState: { state: 'down', context: { n: 2 } } }]);
      expect(s.flush()).toBe(true);
      return { last, state: reader.actorStates().get('a')!.state, gaps: reader.gaps() };
    });
    expect(seen).toEqual({ last: 1, state: 'up', gaps: [] });
    expect(reader.actorStates().get('a')!.state).toBe('down');
  });

  it('names gaps no record accounts for', () => {
    const s = fresh();
    s.append(Array.from({ length: 10 }, () => ({ type: 'x' })));
    s.flush();
    s.connection.exec('DELETE FROM events WHERE seq IN (1, 2, 5, 6, 7)');
    expect(missingEvents(s).unrecorded).toEqual([
      'events seq 1-2 (2) are missing from the log, and no record says why',
      'events seq 5-7 (3) are missing from the log, and no record says why',
    ]);
  });

  it('warns once per episode: a disk hovering at full (a commit now and then) is not warned about again within a minute', () => {
    const { s, reports } = reporting();
    s.flush();
    const full = () => s.connection.pragma(`max_page_count = ${s.connection.pragma('page_count', { simple: true }) as number}`);
    const big = () => s.append(Array.from({ length: 2000 }, (_, i) => ({ type: 'big', payload: { blob: 'x'.repeat(500), i } })));
    for (let round = 0; round < 3; round++) {
      full();
      big();
      expect(s.flush()).toBe(false);
      s.connection.pragma('max_page_count = 1073741823');
      expect(s.flush()).toBe(true);
    }
    expect(reports.filter((r) => r.includes('cannot commit'))).toHaveLength(1);
    expect(reports.filter((r) => r.includes('writing again'))).toHaveLength(3);
    expect(s.failedCommits).toBe(0);
  });

  it('reports writes still queued when it closes as fatal: they are lost', () => {
    const { s, reports } = reporting();
    s.flush();
    s.connection.pragma(`max_page_count = ${s.connection.pragma('page_count', { simple: true }) as number}`);
    s.append(Array.from({ length: 2000 }, (_, i) => ({ type: 'big', payload: { blob: 'x'.repeat(500), i } })));
    expect(s.flush()).toBe(false);
    expect(s.close()).toBe(2000);
    expect(reports.map((r) => r.split(':')[1].trim())).toEqual(['warning', 'fatal']);
    expect(reports[1]).toMatch(/^s6rc: fatal: event store .*: 2000 queued writes could not be committed before exit$/);
  });

  /** Appends `n` events of about 400 bytes of payload in batches of 1000, committing each batch. */
  const burst = (s: EventStore, n: number) => {
    for (let i = 0; i < n; i += 1000) {
      s.append(Array.from({ length: 1000 }, (_, j) => ({ type: 'run.spawned', service: `svc${j}`, payload: { pid: i + j, blob: 'x'.repeat(400) } })));
      s.flush();
    }
  };
  const walBytes = (s: EventStore) => (existsSync(`${s.path}-wal`) ? statSync(`${s.path}-wal`).size : 0);
  const WAL_BOUND = 64 * 1024;

  it('truncates the WAL once the log goes idle after a burst', async () => {
    const s = fresh();
    burst(s, 10_000);
    expect(walBytes(s)).toBeGreaterThan(2 * 1024 * 1024);
    await until(() => walBytes(s) < WAL_BOUND, IDLE_CHECKPOINT_MS + 3000, 'the WAL to shrink');
    expect(events(s)).toHaveLength(10_000);
  });

  it('never waits for a reader to checkpoint when idle, and truncates once the reader is gone', async () => {
    const s = fresh();
    burst(s, 10_000);
    // A reader in the middle of a read transaction holds a snapshot that reads from the WAL.
    const reader = openEventLog(s.path);
    cleanups.push(() => reader.close());
    const rows = reader.foldEvents(0, Number.MAX_SAFE_INTEGER)[Symbol.iterator]();
    rows.next();
    burst(s, 1000);
    const t0 = performance.now();
    expect(s.checkpointIdle()).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(walBytes(s)).toBeGreaterThan(WAL_BOUND);
    expect(s.connection.pragma('busy_timeout', { simple: true })).toBe(5000);
    // The idle timer meets the reader too: it tries again later instead of waiting.
    await new Promise((r) => setTimeout(r, IDLE_CHECKPOINT_MS + 100));
    expect(s.idleCheckpointRetries).toBeGreaterThan(0);
    expect(walBytes(s)).toBeGreaterThan(WAL_BOUND);
    rows.return?.(undefined);
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
        s.append(
          Array.from({ length: 1000 }, (_, j) => ({
            type: 'run.spawned',
            service: `svc${(i + j) % 1000}`,
            from: 'down',
            to: 'starting',
            payload: { pid: i + j, startTime: '12345', time: 1 },
            actorState: { state: 'starting', context: { pid: i + j, wantedUp: true } },
          })),
        );
        s.flush();
      }
      const cpu = process.cpuUsage(t0);
      best = Math.max(best, n / ((cpu.user + cpu.system) / 1e6));
    }
    expect(s.history({ type: 'run.spawned' }).length).toBeGreaterThanOrEqual(30_000);
    expect(best).toBeGreaterThan(50_000);
  });
});
