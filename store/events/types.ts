/**
 * The event log's rows and its two faces: `EventLogReader` (history, replay,
 * plot, graph: read-only, beside a running supervisor) and `EventStore` (the
 * supervisor, the only writer). Both come from open.ts; the SQL behind them
 * lives in reader.ts and writer.ts.
 */
import type { PayloadOf } from '../../machines/events.js';
import type { FoldEvent } from '../../machines/replay/fold.js';

/** One row of `events`, as an appender hands it in (seq and boot are filled in). */
export interface EventInput {
  type: string;
  /** ms since the epoch; defaults to now. */
  time?: number;
  service?: string | null;
  changeId?: number | null;
  from?: string | null;
  to?: string | null;
  payload?: Record<string, unknown>;
  /** Projection update committed with this event: the actor's state and machine context. */
  actorState?: { state: string; context: unknown };
  /** Projection update committed with this event: the live state of `service`. */
  live?: boolean;
}

/** One committed (or queued) `events` row as readers see it. */
export interface EventRow {
  seq: number;
  time: number;
  boot: number;
  changeId: number | null;
  service: string | null;
  type: string;
  from: string | null;
  to: string | null;
  payload: Record<string, unknown>;
}

/** One event as replay folds it (what `EventRow` has, minus what the fold never reads): the fold's own input. */
export type FoldEventRow = FoldEvent;

export interface HistoryQuery {
  service?: string;
  changeId?: number;
  /** Only events of this type. */
  type?: string;
  /** ms since the epoch, inclusive. */
  since?: number;
  /** ms since the epoch, inclusive. */
  until?: number;
  /** Only events after this sequence number (`--follow` polls with it). */
  afterSeq?: number;
  /** The LAST `limit` matching events (like `tail -n`), still returned oldest first. */
  limit?: number;
  /** With no `limit`: at most this many, from the oldest (`--follow` batches). */
  batch?: number;
}

/** One `change` invocation as `history --changes` shows it (the `changes` projection). */
export interface ChangeRow {
  id: number;
  boot: number;
  argv: string[];
  user: string;
  /** ms since the epoch. */
  started: number;
  /** null while it runs. */
  ended: number | null;
  exitCode: number | null;
  done: number;
  failed: number;
  /** Why it ended with no exit code (e.g. `supervisor died`), else null. */
  reason: string | null;
  /** An `update`'s plan (its `update.planned` event): what it restarted, stopped and started, and why; else null. */
  update: PayloadOf<'update.planned'> | null;
}

export interface ChangesQuery {
  id?: number;
  since?: number;
  until?: number;
  /** The last `limit` changes, oldest first. */
  limit?: number;
}

/** A compiled database a boot ran under: its first, or one `update` switched to. */
export interface DatabaseRow {
  id: number;
  boot: number;
  /** The last event before it took over (0 for a boot's first). */
  seq: number;
  sha256: string;
  /** The supervisor's copy of it (kept in the live directory for replay). */
  path: string;
}

/** Which database: its content hash and where the supervisor keeps it. */
export interface DatabaseRef {
  sha256: string;
  path: string;
}

/** What a database switch does to the projections, committed with it. */
export interface DatabaseSwitch {
  /** Services renamed (old name → new name): their actor and live-state rows follow. */
  renames: readonly (readonly [string, string])[];
  /** Services gone from the new database: their rows go. */
  removed: readonly string[];
}

/** One row of the `actor_state` projection: a service actor's last state and machine context. */
export interface StoredActorState {
  state: string;
  context: unknown;
  seq: number;
}

/** The event log, read-only: every query readers make, each on an index. */
export interface EventLogReader {
  readonly path: string;
  /** Events matching every given filter, oldest first (see `HistoryQuery`). */
  history(query?: HistoryQuery): EventRow[];
  /** Change invocations, oldest first. */
  changes(query?: ChangesQuery): ChangeRow[];
  /** The id of the most recent change, or null. */
  lastChangeId(): number | null;
  /** Who asked for each change, by change id. */
  changeUsers(): Map<number, string>;
  /** The newest sequence number, 0 for an empty log. */
  lastSeq(): number;
  /** The last sequence number at or before `time` (ms), or 0. */
  seqAt(time: number): number;
  /** The time and boot of event `seq`, or null when there is none. */
  eventAt(seq: number): { time: number; boot: number } | null;
  /** Events with `after < seq <= upTo`, one at a time, as replay folds them. */
  foldEvents(after: number, upTo: number): Iterable<FoldEventRow>;
  /** The seqs missing from the log (pruned, dropped, or lost), as inclusive ranges, oldest first. */
  gaps(): { first: number; last: number }[];
  /**
   * Runs `read` in one read transaction: every query in it sees the log as
   * of one commit, so the events folded and the projections compared with
   * them agree even while the supervisor commits.
   */
  consistent<T>(read: () => T): T;
  /** Each boot's start time (ms), by boot id. */
  bootStarts(): Map<number, number>;
  /** The `actor_state` projection. */
  actorStates(): Map<string, StoredActorState>;
  /** The live state: every service s6rc considers up. */
  liveSet(): Set<string>;
  /** The newest replay checkpoint at or before `seq`, or null (a damaged one is skipped). */
  checkpoint<T = unknown>(seq?: number): { seq: number; state: T } | null;
  /** Every compiled database each boot ran under, in order. */
  databases(): DatabaseRow[];
  close(): void;
}

/**
 * The event log as its only writer (the supervisor) holds it. Appends queue
 * and commit in one transaction per event-loop turn (or per group-commit
 * window), with the projections; failed commits are retried, never dropped.
 */
export interface EventStore extends EventLogReader {
  /** The boot new events are recorded under (0 until `startBoot` or `resumeBoot`). */
  readonly boot: number;
  /** Writes queued and not yet committed. */
  readonly pending: number;
  /** The last seq handed out (committed or not). */
  readonly appendedSeq: number;
  /** Commits failed in a row (0 while it writes: a full disk makes it count up, once a second). */
  readonly failedCommits: number;
  /** Service events dropped past the queue bound and not yet recorded by a `log.dropped`. */
  readonly dropped: number;
  /** Queues events for the next commit; returns them with their sequence numbers. */
  append(events: readonly EventInput[]): EventRow[];
  /** Commits everything queued now; false when the commit failed (it is retried). */
  flush(): boolean;
  /** Runs `then` right after the next commit, made at the end of this turn (commit before spawn). */
  whenCommitted(then: () => void): void;
  /** Records a new boot (and the database it runs under) and makes it current; the actor projection starts empty. */
  startBoot(live: string, compiled: string, time?: number, database?: DatabaseRef): number;
  /** Continues the newest boot (a recovering supervisor); 0 when there is none. */
  resumeBoot(): number;
  /** The database the current boot runs under now (its last switch), or null when none was recorded. */
  currentDatabase(): DatabaseRow | null;
  /**
   * Switches the current boot to another compiled database: the `databases`
   * row, the projections' renames and removals and the `update.switched`
   * event (under `changeId`), committed now in one transaction: the moment
   * an update takes effect, whatever happens to the supervisor next.
   */
  switchDatabase(database: DatabaseRef, change: DatabaseSwitch, changeId: number | null): void;
  /** Registers a change invocation: a `changes` row and a `change.started` event; returns its id. */
  startChange(argv: string[], user: string, time?: number): number;
  /** Closes a change: exit code and counts into `changes`, and a `change.ended` event. */
  endChange(id: number, exitCode: number, done: number, failed: number, time?: number): void;
  /** Records a successful transition in the live state: a `live.up`/`live.down` event and the `live_state` row. */
  setLive(service: string, up: boolean, changeId: number | null, time?: number): void;
  /** Closes every change a dead supervisor left open (exit unknown, `reason`); returns their ids. */
  closeInterruptedChanges(reason: string): number[];
  /** Called after every successful commit with the rows it committed. */
  onCommit(listener: ((rows: EventRow[]) => void) | null): void;
  /** Commits what is queued and closes; returns how many writes could not be committed (reported as fatal). */
  close(): number;
}
