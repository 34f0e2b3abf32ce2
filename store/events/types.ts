/**
 * The event store's in-memory handle: one SQLite connection, the queue of
 * writes not yet committed, and the counters the single writer allocates from.
 */
import type { Database } from 'better-sqlite3';

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

/** A write that is not an event row but must commit in order with them. */
export type QueuedWrite =
  | { kind: 'event'; row: EventRow; actorState?: { state: string; context: unknown }; live?: boolean }
  | { kind: 'change.start'; id: number; boot: number; argv: string; user: string; started: number }
  | { kind: 'change.end'; id: number; ended: number; exitCode: number | null; done: number; failed: number; reason?: string | null };

export interface EventStore {
  readonly path: string;
  readonly db: Database;
  /** The boot new events are recorded under (0 until `startBoot` or `resumeBoot`). */
  boot: number;
  /** Writes waiting for the next flush, in order. */
  queue: QueuedWrite[];
  /** Next sequence number and change id: the supervisor is the only writer, so they are allocated here. */
  nextSeq: number;
  nextChangeId: number;
  /** True while an automatic commit is armed (end of this turn, or the end of the group-commit window). */
  scheduled: boolean;
  /** `performance.now()` of the last automatic commit: the start of the current group-commit window. */
  lastAutoCommit: number;
  /** Armed after every commit: checkpoints the WAL once the log has been quiet for a moment. */
  checkpointTimer: NodeJS.Timeout | null;
  /** How many times in a row readers held the idle checkpoint up (0 after a commit). */
  checkpointRetries: number;
  /** Set after a failed flush: the retry timer, so appends do not schedule a tighter loop. */
  retryTimer: NodeJS.Timeout | null;
  /** Number of consecutive failed flushes (0 when healthy). */
  failures: number;
  /** Waiting for the next commit (commit before spawn, `whenCommitted`); run after it, or after it failed. */
  afterCommit: Array<() => void>;
  /** True while a commit is armed for the end of this turn because something waits for it. */
  urgent: boolean;
  /** Called after every successful commit with the rows it committed. */
  onCommit: ((rows: EventRow[]) => void) | null;
  /** Where failure reports go (default: stderr). */
  report: (line: string) => void;
  closed: boolean;
  /** Prepared statements, created once. */
  statements: ReturnType<typeof import('./prepareStatements.js').prepareStatements>;
}
