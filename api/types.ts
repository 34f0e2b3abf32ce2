/**
 * The Node API's own types: the options of its calls and what they return
 * that is not a socket message. Everything the supervisor sends keeps its
 * protocol type (protocol/types.ts), so a program reading the API and one
 * reading `s6rc ... --json` see the same shapes.
 */
import type { Observable } from 'rxjs';
import type { LoggedEventType, PayloadOf } from '../machines/events.js';
import type { ChangeReport } from '../protocol/changeReport.js';
import type { ProgressOf, Results } from '../protocol/types.js';

export interface ConnectOptions {
  /** The live directory (default, as the CLI's: `$S6RC_LIVE`, `/run/s6rc` for root, else `$XDG_RUNTIME_DIR/s6rc` or `/tmp/s6rc-$UID`). */
  live?: string;
  /** The event log `history` and `changes` read (default, as the CLI's: `$S6RC_STORE`, the path in `<live>/store`, else `<live>/events.db`). */
  store?: string;
}

/** What a change, an update or a reload records as its invocation in the event log. */
export interface Invocation {
  /** The command line `history --changes` shows (default: the CLI's equivalent, e.g. `s6rc -u change web`). */
  argv?: string[];
  /** Who asked (default: `name (uid N)` of this process, as the CLI records it). */
  user?: string;
}

/**
 * A change: `up` brings the services and what they depend on up, `down`
 * brings them and what depends on them down (s6-rc's `-u`/`-d change`).
 */
export type ChangeOptions = ({ up: string[]; down?: never } | { down: string[]; up?: never }) &
  Invocation & {
    /** Add the services that are up to the selection (`-a`): `{ down: [], all: true }` brings everything down. */
    all?: boolean;
    /** First bring down everything that is up but not wanted (`-p`). */
    prune?: boolean;
    /** With `down`: stop services marked essential too (`-D`). */
    essentials?: boolean;
    /** ms for the whole change, the wait for the lock included (`-t`); on expiry it resolves with exit code 2. 0 or absent: none. */
    timeout?: number;
    /** Change nothing, only say what would be done (`-n`): a number waits that many ms per simulated transition; true: 0. */
    dryRun?: boolean | number;
    /** Wait for the lock held by another change instead of failing with 111 (`-b`). */
    block?: boolean;
    /** s6-rc's text messages, sent as `{ err }` progress: 0 none (default), 1 warnings, 2 one line per transition. */
    verbosity?: number;
  };

/** A change's progress: its id (null for a dry run), its plan, each transition's steps, and text (`{ out }`: a dry run's lines; `{ err }` with `verbosity`). */
export type ChangeProgress = ProgressOf<'change'>;

/**
 * A change running: a promise of its report that also streams its progress.
 * The promise resolves once the change answers — exit code 0, 1 (a
 * transition failed, or cancelled) or 2 (timed out) — and rejects with an
 * `S6rcError` when it cannot run (3 unknown name, 111 lock held or no
 * supervisor...). `progress$` replays everything from the start to each
 * subscriber and completes when the change answers, whatever the outcome
 * (the promise says how it went).
 */
export interface ChangeCall extends Promise<ChangeReport> {
  readonly progress$: Observable<ChangeProgress>;
  /** Stops scheduling: what runs finishes under the supervisor, nothing new starts; the report says `stoppedBy: 'cancel'`, exit code 1. */
  cancel(why?: string): void;
}

export interface UpdateOptions extends Invocation {
  /** The conversion file's lines, each split into words: `[['old', '->', 'new', 'restart']]` (s6-rc-update's `-f`). */
  conversions?: string[][];
  /** Change nothing: the plan arrives as `{ update }` progress (`-n`). */
  dryRun?: boolean;
  /** ms for the whole update (`-t`); 0 or absent: none. */
  timeout?: number;
  /** Stop essential services like any other (`-e`). */
  forceEssentials?: boolean;
  /** Wait for the lock held by a change (`-b`). */
  block?: boolean;
  /** As `ChangeOptions.verbosity`. */
  verbosity?: number;
}

/** An update's progress: its plan (`{ update }`), then each phase's plan and steps, and text. */
export type UpdateProgress = ProgressOf<'update'>;

/** How an update ended: its exit code (0; 1, 2 switched but a start failed or timed out; 9, 10 not switched) and what it stopped and started. */
export type UpdateResult = Results['update'];

/** An update running: as `ChangeCall`, resolving with its result (exit codes 0, 1, 2, 9, 10) and rejecting when it is refused (3, 4, 5, 6, 100, 111). */
export interface UpdateCall extends Promise<UpdateResult> {
  readonly progress$: Observable<UpdateProgress>;
}

export interface ReloadOptions extends Invocation {
  /** Give up waiting for reload scripts after this many ms: the result has exit code 2. */
  timeout?: number;
}

/** A reload's outcome: exit code 0 all reloaded, 1 one failed, 2 timed out. */
export type ReloadResult = Results['reload'];

/**
 * What `wait` waits for, as `s6rc wait` (s6-svwait): `up` (-u: run is
 * running, a oneshot's up succeeded), `ready` (-U), `down` (-d), `finished`
 * (-D: down and finish has run), `restarted` (-r: down, then up again),
 * `restarted-ready` (-R).
 */
export type WaitUntil = 'up' | 'ready' | 'down' | 'finished' | 'restarted' | 'restarted-ready';

export interface WaitOptions {
  /** Default `up`. */
  until?: WaitUntil;
  /** Any one of the services is enough (`-o`); default: all of them (`-a`). */
  any?: boolean;
  /** ms; 0 or absent: forever. On expiry it rejects with exit code 99. */
  timeout?: number;
}

/** `list` and `listAll`: s6-rc's selection. */
export interface ListOptions {
  /** Services or bundles (default: none). */
  services?: string[];
  /** Add the services that are up (`-a`). */
  all?: boolean;
  /** `list`: every service but the selection; `listAll`: close over dependents instead of dependencies (`-d`). */
  down?: boolean;
  /** Leave services marked essential out (`-e`). */
  hideEssentials?: boolean;
}

/** One event of the log, its payload typed by its `type` (machines/events.ts), as recorded. */
export type HistoryEvent = {
  [T in LoggedEventType]: {
    seq: number;
    /** ms since the epoch. */
    time: number;
    boot: number;
    /** The change that caused it, or null. */
    changeId: number | null;
    service: string | null;
    type: T;
    /** A service event's state before and after. */
    from: string | null;
    to: string | null;
    payload: PayloadOf<T>;
  };
}[LoggedEventType];

/** Which events `history` returns: every filter given must hold; oldest first. */
export interface HistoryQuery<T extends LoggedEventType = LoggedEventType> {
  service?: string;
  changeId?: number;
  /** Only events of this type; the result's type narrows to it. */
  type?: T;
  /** From this time (ms since the epoch, or a Date), inclusive. */
  since?: number | Date;
  /** Up to this time, inclusive. */
  until?: number | Date;
  /** Only events after this sequence number (to poll for new ones). */
  afterSeq?: number;
  /** Only the last `limit` matching events (still oldest first). */
  limit?: number;
}

/** Which change invocations `changes` returns; oldest first. */
export interface ChangesQuery {
  id?: number;
  since?: number | Date;
  until?: number | Date;
  /** Only the last `limit`. */
  limit?: number;
}
