/**
 * Every event s6rc records, one typed union: what a service actor receives
 * (machines/service/events.ts, the machines' own vocabulary), what a change
 * records (scheduling, outcomes, reconciliation), the live state's edges and
 * the supervisor's own. The store appends them (`type` + the rest as the
 * payload), `history` describes them and `replay` folds the service ones.
 *
 * Each event's payload is the event without `type`; a logged row carries it
 * with the row's own columns (seq, time, boot, change, service, from, to).
 */
import type { StopReason } from './plan/update.js';
import type { LongrunEvent, OneshotEvent } from './service/events.js';

/** What a service actor receives, as its machine defines it (`time` included). */
export type ServiceEvent = LongrunEvent | OneshotEvent;

/** What a `change` records, under its change id (transition events also name their service). */
export type ChangeEvent =
  | { type: 'change.started'; argv: string[]; user: string }
  | { type: 'change.ended'; exitCode: number | null; done: number; failed: number; reason?: string }
  | { type: 'change.timeout'; inFlight: number }
  | { type: 'change.cancelled'; why: string | null; inFlight: number }
  | { type: 'transition.scheduled'; kind: 'up' | 'down' }
  | { type: 'transition.succeeded'; kind: 'up' | 'down' }
  | { type: 'transition.failed'; kind: 'up' | 'down'; code: number | null; signal: string | null; reason: string | null }
  | { type: 'transition.blocked'; kind: 'up' | 'down'; by: string | null }
  | { type: 'reconcile.corrected'; actorState: string }
  | {
      type: 'update.planned';
      /** The new compiled database. */
      compiled: string;
      /** Old services to stop before the switch, and why (machines/plan/update.ts). */
      stop: Record<string, StopReason>;
      /** New services to start after it. */
      start: string[];
      /** Old name → new name of the services that run on renamed. */
      renamed: Record<string, string>;
      /** Old name → new name of the stopped services that start again renamed (a rename with `restart`). */
      restartedAs?: Record<string, string>;
      essentialKept: string[];
    }
  | {
      type: 'update.switched';
      /** The `databases` row it switched to. */
      database: number;
      sha256: string;
      path: string;
      renames: { from: string; to: string }[];
      removed: string[];
    };

/** An edge of the live state (what s6rc considers up), for the service of its row. */
export type LiveEvent = { type: 'live.up' } | { type: 'live.down' };

/** A service process a recovering supervisor found that no actor supervised, and stopped. */
export interface StrayProcess {
  service: string;
  pid: number;
}

/** The supervisor's own life. */
export type SupervisorEvent =
  | { type: 'supervisor.started'; pid: number; services: number; recovered: boolean }
  | {
      type: 'supervisor.recovered';
      pid: number;
      adopted: string[];
      restarted: string[];
      down: string[];
      unknown: string[];
      stopped: StrayProcess[];
      lastSeqBefore: number;
    }
  | { type: 'supervisor.stopping'; reason: string; timeout: number | null }
  | {
      type: 'supervisor.stopped';
      reason: string;
      stopped: string[];
      killed: string[];
      timedOut: boolean;
      /** Processes the services left behind, re-parented to the supervisor, that it stopped (absent: none). */
      orphans?: number[];
    }
  | { type: 'supervisor.shutdown.timeout'; killed: string[] }
  | { type: 'supervisor.shutdown.error'; error: string };

/**
 * The log's own records. `log.dropped`: past its queue bound, a writer that
 * could not commit (disk full) dropped `count` events with seqs between
 * `firstSeq` and `lastSeq` (those seqs stay a gap); it carries the last
 * state of every actor and live entry those events changed, so the
 * projections and replay go on from there. `log.pruned`: `history
 * --prune-before` deleted every event up to `cut` (a checkpoint at `cut`
 * holds the fold there).
 */
export type LogEvent =
  | {
      type: 'log.dropped';
      count: number;
      firstSeq: number;
      lastSeq: number;
      /** ms since the epoch of the first and last dropped event. */
      firstTime: number;
      lastTime: number;
      actors: Record<string, { state: string; context: unknown }>;
      live: Record<string, boolean>;
    }
  | { type: 'log.pruned'; before: number; cut: number; events: number; checkpoints: number; changes: number };

/** Every event s6rc records. */
export type LoggedEvent = ServiceEvent | ChangeEvent | LiveEvent | SupervisorEvent | LogEvent;

export type LoggedEventType = LoggedEvent['type'];

/** The payload of one event type: the event without `type`. */
export type PayloadOf<T extends LoggedEventType> = Omit<Extract<LoggedEvent, { type: T }>, 'type'>;
