/**
 * The event log's only writer (the supervisor): appends queue in memory and
 * commit, with their projections (`actor_state`, `live_state`, `changes`), in
 * one transaction per event-loop turn, or per group-commit window when
 * commits come back to back. A failed commit (disk full, I/O error) rolls
 * back, keeps every queued write and is retried every second; past a bound
 * on the queue, service events are dropped (their seqs stay a gap) and a
 * `log.dropped` record of them is committed when writing works again; a commit that
 * something waits for (`whenCommitted`: a spawn's intent) is made at the end
 * of the turn. Once the log goes quiet, the WAL is checkpointed and truncated.
 */
import type { Database, Statement } from 'better-sqlite3';
import { switchKeys } from '../../machines/plan/update.js';
import { LogReader } from './reader.js';
import type { DatabaseRef, DatabaseRow, DatabaseSwitch, EventInput, EventRow, EventStore } from './types.js';

/**
 * At most this long an appended event waits for its commit when commits come
 * back to back: a chain of transitions then costs one transaction per window
 * instead of one per turn (each commit writes several WAL pages).
 */
export const GROUP_COMMIT_MS = 5;

/** Between two tries of a failed commit. */
const RETRY_MS = 1000;

/**
 * A failure streak that starts within this long of the end of the last one
 * is the same episode (a disk hovering at full: each checkpoint frees a
 * little, the next commits fill it), and is not warned about again.
 */
const EPISODE_MS = 60_000;

/**
 * Queued writes kept in memory while commits fail (S6RC_EVENT_QUEUE_MAX
 * overrides it): past it, service events are dropped and counted. A queued
 * event costs a few hundred bytes, so this bounds the queue to tens of MB.
 */
export const DEFAULT_QUEUE_LIMIT = 100_000;

/** The queue bound: `S6RC_EVENT_QUEUE_MAX` when it is a positive integer, else the default. */
export function queueLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.S6RC_EVENT_QUEUE_MAX);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_QUEUE_LIMIT;
}

/** What the writer dropped past its queue bound, until a commit records it (`log.dropped`). */
interface Dropped {
  count: number;
  firstSeq: number;
  lastSeq: number;
  firstTime: number;
  lastTime: number;
  /** The last state of each actor the dropped events changed (the projection still gets it). */
  actors: Map<string, { state: string; context: unknown; seq: number }>;
  /** The last live-state edge of each service among them. */
  live: Map<string, { up: boolean; seq: number }>;
}

/**
 * WAL pages between SQLite's own checkpoints (its default is 1000). A
 * checkpoint syncs the WAL and the database file; run every 1000 pages it
 * lands in the middle of a busy change and blocks the supervisor on the disk
 * for each one. The bound still keeps the WAL to a few MB while busy.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** Quiet time after the last commit before the store checkpoints on its own. */
export const IDLE_CHECKPOINT_MS = 200;

/** The writer's busy timeout, set back after each idle checkpoint (which runs without one). */
export const BUSY_TIMEOUT_MS = 5000;

/** The longest wait between two tries of an idle checkpoint that readers held up. */
const MAX_CHECKPOINT_RETRY_MS = 60_000;

/** A write that commits in order with the events. */
type QueuedWrite =
  | { kind: 'event'; row: EventRow; actorState?: { state: string; context: unknown }; live?: boolean; database: number | null }
  | { kind: 'change.start'; id: number; boot: number; argv: string; user: string; started: number }
  | { kind: 'change.end'; id: number; ended: number; exitCode: number | null; done: number; failed: number; reason: string | null }
  | { kind: 'database'; row: DatabaseRow }
  | { kind: 'switch'; renames: [string, string][]; removed: string[] };

export interface WriterOptions {
  /** Where failure reports go, one line each (default: stderr). */
  report?: (line: string) => void;
  /** Queued writes kept while commits fail, before service events are dropped (default: `queueLimitFromEnv()`). */
  queueLimit?: number;
  /**
   * Fault injection (the supervisor's `crashPoint`, given only when
   * S6RC_CRASH_AT is set): called as `events.commit` inside each commit's
   * transaction, after half of its batch is written, so a test can kill the
   * writer there and check that the whole transaction rolls back.
   */
  crashPoint?: (name: string) => void;
}

export class SqliteEventStore extends LogReader implements EventStore {
  private currentBoot = 0;
  /** The database new events are produced under (the `databases` row), null before one is recorded. */
  private database: DatabaseRow | null = null;
  private queue: QueuedWrite[] = [];
  private nextSeq: number;
  private nextChangeId: number;
  private nextDatabaseId: number;
  /** An automatic commit is armed (end of this turn, or the end of the group-commit window). */
  private scheduled = false;
  /** `performance.now()` of the last automatic commit: the start of the current group-commit window. */
  private lastAutoCommit = -Infinity;
  /** A commit at the end of this turn is armed because something waits for it. */
  private urgent = false;
  private readonly afterCommit: Array<() => void> = [];
  private retryTimer: NodeJS.Timeout | null = null;
  /** Consecutive failed commits (0 when healthy). */
  private failures = 0;
  /** `performance.now()` when the last failure streak ended. */
  private lastStreakEnd = -Infinity;
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** Idle checkpoints a reader held up since the last commit. */
  private checkpointRetries = 0;
  private commitListener: ((rows: EventRow[]) => void) | null = null;
  private closed = false;
  private readonly report: (line: string) => void;
  private readonly queueLimit: number;
  /** Service events dropped past the queue bound and not yet recorded. */
  private droppedEvents: Dropped | null = null;
  private readonly crashPoint: ((name: string) => void) | undefined;
  private readonly insert: { event: Statement; actor: Statement; live: Statement; changeStart: Statement; changeEnd: Statement; changePlan: Statement };

  constructor(db: Database, path: string, options: WriterOptions = {}) {
    super(db, path);
    this.report = options.report ?? ((line) => process.stderr.write(line + '\n'));
    this.queueLimit = options.queueLimit ?? queueLimitFromEnv();
    this.crashPoint = options.crashPoint;
    this.nextSeq = this.lastSeq() + 1;
    this.nextChangeId = (this.lastChangeId() ?? 0) + 1;
    this.resumeBoot();
    this.nextDatabaseId = (db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM databases').get() as { m: number }).m + 1;
    this.insert = {
      event: db.prepare('INSERT INTO events (seq, time, boot, change_id, service, type, from_state, to_state, payload, database) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      actor: db.prepare(
        'INSERT INTO actor_state (service, state, context, seq) VALUES (?, ?, ?, ?) ON CONFLICT(service) DO UPDATE SET state = excluded.state, context = excluded.context, seq = excluded.seq',
      ),
      live: db.prepare('INSERT INTO live_state (service, up, seq) VALUES (?, ?, ?) ON CONFLICT(service) DO UPDATE SET up = excluded.up, seq = excluded.seq'),
      changeStart: db.prepare('INSERT INTO changes (id, boot, argv, user, started) VALUES (?, ?, ?, ?, ?)'),
      changeEnd: db.prepare('UPDATE changes SET ended = ?, exit_code = ?, done = ?, failed = ?, reason = ? WHERE id = ?'),
      changePlan: db.prepare('UPDATE changes SET update_plan = ? WHERE id = ?'),
    };
  }

  get boot(): number {
    return this.currentBoot;
  }

  get pending(): number {
    return this.queue.length;
  }

  append(events: readonly EventInput[]): EventRow[] {
    if (this.closed) throw new Error('event store is closed');
    const rows: EventRow[] = [];
    for (const e of events) {
      const row: EventRow = {
        seq: this.nextSeq++,
        time: e.time ?? Date.now(),
        boot: this.currentBoot,
        changeId: e.changeId ?? null,
        service: e.service ?? null,
        type: e.type,
        from: e.from ?? null,
        to: e.to ?? null,
        payload: e.payload ?? {},
      };
      if (this.failures > 0 && row.service !== null && this.queue.length >= this.queueLimit) {
        this.drop(row, e);
        rows.push(row);
        continue;
      }
      // JSON is made at commit time: only the last context of each actor in a batch is ever serialised.
      this.queue.push({ kind: 'event', row, actorState: e.actorState, live: e.live, database: this.database?.id ?? null });
      rows.push(row);
    }
    this.scheduleCommit();
    return rows;
  }

  /**
   * Commits every queued write in one transaction. On a write error the
   * transaction rolls back, nothing queued is dropped, a warning is reported
   * once per failure episode (streaks less than a minute apart are one) and the commit is retried every second (the
   * supervisor keeps running: only writes still queued at `close` are lost).
   */
  flush(): boolean {
    if (this.queue.length === 0 && !this.droppedEvents) {
      this.runAfterCommit();
      return true;
    }
    const batch = this.queue;
    this.queue = [];
    // The record of what was dropped takes the next seq only if it commits (commit is synchronous: nothing else can take one meanwhile).
    const dropped = this.droppedEvents;
    const record = dropped ? this.droppedRecord(dropped) : null;
    try {
      this.commit(record ? [...batch, record] : batch, dropped);
    } catch (err) {
      if (record) this.nextSeq--;
      this.queue = batch.concat(this.queue);
      this.noteFailure(err);
      // What waited for this commit goes on without it: supervision must not stop on a full disk.
      this.runAfterCommit();
      return false;
    }
    if (this.failures > 0) {
      this.report(`s6rc: info: event store ${this.path}: writing again after ${this.failures} failed attempts`);
      this.failures = 0;
      this.lastStreakEnd = performance.now();
    }
    if (dropped && record) {
      this.droppedEvents = null;
      batch.push(record);
      this.report(
        `s6rc: warning: event store ${this.path}: ${dropped.count} events (seq ${dropped.firstSeq}-${dropped.lastSeq}) were dropped while it could not write; recorded as log.dropped at seq ${record.row.seq}`,
      );
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.armIdleCheckpoint();
    if (this.commitListener) {
      const rows: EventRow[] = [];
      for (const w of batch) if (w.kind === 'event') rows.push(w.row);
      this.commitListener(rows);
    }
    this.runAfterCommit();
    return true;
  }

  /**
   * Runs `then` right after the next commit, which is made at the end of this
   * event-loop turn whatever the group-commit window says: what was appended
   * before it (and during the rest of this turn) is then durable. This is how
   * the supervisor commits an intent before it spawns. If that commit fails
   * (disk full), `then` still runs: supervising goes on, with the events kept
   * in memory for the retries.
   */
  whenCommitted(then: () => void): void {
    this.afterCommit.push(then);
    if (this.urgent) return;
    this.urgent = true;
    setImmediate(() => {
      this.urgent = false;
      if (this.afterCommit.length === 0) return;
      // While commits fail, the retry timer tries them: a spawn does not wait for a doomed commit of the whole queue.
      if (!this.closed && this.failures === 0) this.flush();
      this.runAfterCommit();
    });
  }

  startBoot(live: string, compiled: string, time = Date.now(), database?: DatabaseRef): number {
    this.flush();
    this.db.transaction(() => {
      const info = this.db.prepare('INSERT INTO boots (started, live, compiled) VALUES (?, ?, ?)').run(time, live, compiled);
      this.currentBoot = Number(info.lastInsertRowid);
      // Every actor starts afresh in a new boot: an actor with no row is in its machine's initial state.
      this.db.prepare('DELETE FROM actor_state').run();
      this.database = null;
      if (database) this.writeDatabase(this.newDatabaseRow(database, 0));
    })();
    return this.currentBoot;
  }

  resumeBoot(): number {
    this.currentBoot = (this.statement('SELECT COALESCE(MAX(id), 0) AS id FROM boots').get() as { id: number }).id;
    this.database = this.latestDatabase();
    return this.currentBoot;
  }

  currentDatabase(): DatabaseRow | null {
    return this.database;
  }

  switchDatabase(database: DatabaseRef, change: DatabaseSwitch, changeId: number | null): void {
    const row = this.newDatabaseRow(database, this.nextSeq - 1);
    this.queue.push({ kind: 'database', row });
    this.queue.push({ kind: 'switch', renames: change.renames.map(([from, to]) => [from, to]), removed: [...change.removed] });
    // What was dropped before the switch is recorded (and committed) after it, under the new names.
    if (this.droppedEvents) {
      switchKeys(this.droppedEvents.actors, change.renames, change.removed);
      switchKeys(this.droppedEvents.live, change.renames, change.removed);
    }
    this.database = row;
    this.append([
      {
        type: 'update.switched',
        changeId,
        payload: { database: row.id, sha256: row.sha256, path: row.path, renames: change.renames.map(([from, to]) => ({ from, to })), removed: [...change.removed] },
      },
    ]);
    this.flush();
  }

  /** A `databases` row for the current boot, its id allocated now (the writer is the only one). */
  private newDatabaseRow(database: DatabaseRef, seq: number): DatabaseRow {
    return { id: this.nextDatabaseId++, boot: this.currentBoot, seq, sha256: database.sha256, path: database.path };
  }

  private writeDatabase(row: DatabaseRow): void {
    this.statement('INSERT INTO databases (id, boot, seq, sha256, path) VALUES (?, ?, ?, ?, ?)').run(row.id, row.boot, row.seq, row.sha256, row.path);
    this.database = row;
  }

  /** The newest database of the newest boot, or null. */
  private latestDatabase(): DatabaseRow | null {
    return (this.db.prepare('SELECT id, boot, seq, sha256, path FROM databases WHERE boot = ? ORDER BY id DESC LIMIT 1').get(this.currentBoot) as DatabaseRow | undefined) ?? null;
  }

  startChange(argv: string[], user: string, time = Date.now()): number {
    const id = this.nextChangeId++;
    this.queue.push({ kind: 'change.start', id, boot: this.currentBoot, argv: JSON.stringify(argv), user, started: time });
    this.append([{ type: 'change.started', changeId: id, time, payload: { argv, user } }]);
    return id;
  }

  endChange(id: number, exitCode: number, done: number, failed: number, time = Date.now()): void {
    this.queue.push({ kind: 'change.end', id, ended: time, exitCode, done, failed, reason: null });
    this.append([{ type: 'change.ended', changeId: id, time, payload: { exitCode, done, failed } }]);
  }

  setLive(service: string, up: boolean, changeId: number | null, time = Date.now()): void {
    this.append([{ type: up ? 'live.up' : 'live.down', service, changeId, time, live: up }]);
  }

  /**
   * A starting supervisor is the only writer: a change still open then can
   * only belong to one that died. Its exit code is unknown, its counts are
   * what its events show it had done, and it ends at its last event.
   */
  closeInterruptedChanges(reason: string): number[] {
    const open = this.db.prepare('SELECT id, started FROM changes WHERE ended IS NULL ORDER BY id').all() as { id: number; started: number }[];
    const outcome = this.db.prepare(
      `SELECT COALESCE(MAX(time), 0) AS last,
              COALESCE(SUM(type = 'transition.succeeded'), 0) AS done,
              COALESCE(SUM(type = 'transition.failed'), 0) AS failed
         FROM events WHERE change_id = ?`,
    );
    for (const { id, started } of open) {
      const o = outcome.get(id) as { last: number; done: number; failed: number };
      const ended = Math.max(o.last, started);
      this.queue.push({ kind: 'change.end', id, ended, exitCode: null, done: o.done, failed: o.failed, reason });
      this.append([{ type: 'change.ended', changeId: id, time: ended, payload: { exitCode: null, reason, done: o.done, failed: o.failed } }]);
    }
    return open.map((c) => c.id);
  }

  /** Drops a service event past the queue bound: its seq becomes part of the gap, its projection update is kept. */
  private drop(row: EventRow, e: EventInput): void {
    if (!this.droppedEvents) {
      this.droppedEvents = { count: 0, firstSeq: row.seq, lastSeq: row.seq, firstTime: row.time, lastTime: row.time, actors: new Map(), live: new Map() };
      this.report(
        `s6rc: warning: event store ${this.path}: ${this.queue.length} writes queued (the bound); dropping service events until it can write again, and recording how many`,
      );
    }
    const d = this.droppedEvents;
    d.count++;
    d.lastSeq = row.seq;
    d.lastTime = row.time;
    if (e.actorState) d.actors.set(row.service!, { state: e.actorState.state, context: e.actorState.context, seq: row.seq });
    if (e.live !== undefined) d.live.set(row.service!, { up: e.live, seq: row.seq });
  }

  /** The `log.dropped` event for `d`, with the next seq (given back if its commit fails). */
  private droppedRecord(d: Dropped): QueuedWrite & { kind: 'event' } {
    const payload = {
      count: d.count,
      firstSeq: d.firstSeq,
      lastSeq: d.lastSeq,
      firstTime: d.firstTime,
      lastTime: d.lastTime,
      actors: Object.fromEntries([...d.actors].map(([name, a]) => [name, { state: a.state, context: a.context }])),
      live: Object.fromEntries([...d.live].map(([name, l]) => [name, l.up])),
    };
    const row: EventRow = { seq: this.nextSeq++, time: Date.now(), boot: this.currentBoot, changeId: null, service: null, type: 'log.dropped', from: null, to: null, payload };
    return { kind: 'event', row, database: this.database?.id ?? null };
  }

  get dropped(): number {
    return this.droppedEvents?.count ?? 0;
  }

  get appendedSeq(): number {
    return this.nextSeq - 1;
  }

  get failedCommits(): number {
    return this.failures;
  }

  onCommit(listener: ((rows: EventRow[]) => void) | null): void {
    this.commitListener = listener;
  }

  override close(): number {
    if (this.closed) return 0;
    this.flush();
    const lost = this.queue.length;
    const dropped = this.droppedEvents?.count ?? 0;
    if (lost > 0 || dropped > 0) {
      this.report(`s6rc: fatal: event store ${this.path}: ${lost} queued writes could not be committed before exit${dropped ? `, and ${dropped} dropped events not recorded` : ''}`);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.closed = true;
    this.db.close();
    return lost;
  }

  /**
   * Checkpoints the whole WAL and truncates it to 0 bytes (TRUNCATE), without
   * waiting: TRUNCATE waits for readers through the busy handler, which would
   * stop the supervisor behind a `history` reading the log, so it runs with no
   * busy timeout and, when a reader is in the way, copies what it can (as
   * PASSIVE does) and says so. Returns true when done (or on an error the next
   * commit's idle period retries), false when a reader held it up.
   */
  checkpointIdle(): boolean {
    try {
      this.db.pragma('busy_timeout = 0');
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return result?.busy === 0;
    } catch {
      // I/O error: SQLite's own autocheckpoint (and the next idle period) try again.
      return true;
    } finally {
      try {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      } catch {
        /* the connection is unusable: the next commit reports it */
      }
    }
  }

  /** The connection itself, for the store's own tests (full-disk simulation, pragmas): no other code uses it. */
  get connection(): Database {
    return this.db;
  }

  /**
   * Moves the projections' rows of renamed services to their new names, all
   * at once (a swap or a chain keeps every row), after dropping the removed.
   */
  private switchRows(renames: [string, string][], removed: string[]): void {
    for (const table of ['actor_state', 'live_state'] as const) {
      const select = this.statement(`SELECT * FROM ${table} WHERE service = ?`);
      const drop = this.statement(`DELETE FROM ${table} WHERE service = ?`);
      for (const name of removed) drop.run(name);
      const rows = renames.flatMap(([from, to]) => {
        const row = select.get(from) as Record<string, unknown> | undefined;
        return row ? [{ ...row, service: to }] : [];
      });
      for (const [from, to] of renames) (drop.run(from), drop.run(to));
      for (const row of rows) {
        const columns = Object.keys(row);
        this.statement(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...Object.values(row));
      }
    }
  }

  private commit(batch: QueuedWrite[], dropped: Dropped | null = null): void {
    const s = this.insert;
    this.db.transaction(() => {
      // Projections: only the last state of each actor in the batch needs writing.
      const actors = new Map<string, { state: string; context: unknown; seq: number }>();
      const half = batch.length >> 1;
      for (let i = 0; i < batch.length; i++) {
        if (i === half && this.crashPoint) this.crashPoint('events.commit');
        const w = batch[i];
        if (w.kind === 'event') {
          const r = w.row;
          const payload = JSON.stringify(r.payload);
          s.event.run(r.seq, r.time, r.boot, r.changeId, r.service, r.type, r.from, r.to, payload, w.database);
          if (w.actorState && r.service !== null) actors.set(r.service, { state: w.actorState.state, context: w.actorState.context, seq: r.seq });
          if (w.live !== undefined && r.service !== null) s.live.run(r.service, w.live ? 1 : 0, r.seq);
          if (r.type === 'update.planned' && r.changeId !== null) s.changePlan.run(payload, r.changeId);
        } else if (w.kind === 'change.start') {
          s.changeStart.run(w.id, w.boot, w.argv, w.user, w.started);
        } else if (w.kind === 'change.end') {
          s.changeEnd.run(w.ended, w.exitCode, w.done, w.failed, w.reason, w.id);
        } else if (w.kind === 'database') {
          this.writeDatabase(w.row);
        } else {
          // A switch's removals and renames apply to what is committed, and to this batch's actors.
          switchKeys(actors, w.renames, w.removed);
          this.switchRows(w.renames, w.removed);
        }
      }
      // Dropped events are newer than everything queued: their projection updates go last.
      if (dropped) {
        for (const [service, a] of dropped.actors) actors.set(service, a);
        for (const [service, l] of dropped.live) s.live.run(service, l.up ? 1 : 0, l.seq);
      }
      for (const [service, a] of actors) s.actor.run(service, a.state, JSON.stringify(a.context ?? {}), a.seq);
    })();
  }

  /** Arms the next automatic commit, unless one is armed or a retry is pending. */
  private scheduleCommit(): void {
    if (this.scheduled || this.retryTimer) return;
    this.scheduled = true;
    const wait = this.lastAutoCommit + GROUP_COMMIT_MS - performance.now();
    if (wait >= 1) setTimeout(() => this.autoCommit(), wait);
    else setImmediate(() => this.autoCommit());
  }

  private autoCommit(): void {
    this.scheduled = false;
    if (this.closed || this.queue.length === 0) return;
    this.flush();
    this.lastAutoCommit = performance.now();
  }

  private noteFailure(err: unknown): void {
    const e = err as { code?: string; message?: string };
    this.failures++;
    if (this.failures === 1 && performance.now() - this.lastStreakEnd >= EPISODE_MS) {
      this.report(
        `s6rc: warning: event store ${this.path}: cannot commit: ${e.code ?? 'error'}: ${e.message ?? e}; ` +
          `keeping ${this.queue.length} queued writes in memory and retrying every ${RETRY_MS / 1000}s`,
      );
    }
    if (!this.retryTimer && !this.closed) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.closed) this.flush();
      }, RETRY_MS);
      this.retryTimer.unref?.();
    }
  }

  /** Runs what waited for a commit (an exception in one does not stop the others). */
  private runAfterCommit(): void {
    if (this.afterCommit.length === 0) return;
    for (const then of this.afterCommit.splice(0)) {
      try {
        then();
      } catch (err) {
        this.report(`s6rc: warning: after commit: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Re-arms the idle checkpoint after every commit: once no commit happened
   * for IDLE_CHECKPOINT_MS, the WAL is copied back and truncated
   * (`checkpointIdle`), so what a burst wrote reaches the disk after it and an
   * idle log keeps no WAL. A reader in the way makes it try again later,
   * further apart each time, until the next commit.
   */
  private armIdleCheckpoint(): void {
    if (this.checkpointTimer && this.checkpointRetries === 0) {
      this.checkpointTimer.refresh();
      return;
    }
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointRetries = 0;
    this.scheduleCheckpoint(IDLE_CHECKPOINT_MS);
  }

  private scheduleCheckpoint(ms: number): void {
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      if (this.closed || this.checkpointIdle()) return;
      this.checkpointRetries++;
      this.scheduleCheckpoint(Math.min(MAX_CHECKPOINT_RETRY_MS, IDLE_CHECKPOINT_MS * 2 ** this.checkpointRetries));
    }, ms);
    this.checkpointTimer.unref?.();
  }

  /** Idle checkpoints a reader held up since the last commit (the store's own tests). */
  get idleCheckpointRetries(): number {
    return this.checkpointRetries;
  }
}

/**
 * Persists replay checkpoints (the folded state after event `seq`) so later
 * replays start from the nearest one instead of the first event. The
 * supervisor or `replay` (for the gaps it folded over) may write them; a
 * checkpoint at the same seq is replaced (folds are deterministic).
 */
export function writeCheckpoints(db: Database, checkpoints: readonly { seq: number; state: unknown }[]): void {
  const insert = db.prepare('INSERT OR REPLACE INTO checkpoints (seq, state) VALUES (?, ?)');
  db.transaction(() => {
    for (const c of checkpoints) insert.run(c.seq, JSON.stringify(c.state));
  })();
}
