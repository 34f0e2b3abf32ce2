/**
 * The control socket's messages: the typed form of docs/protocol.md, one
 * module for both sides. The supervisor's operations (actors/supervisor/ops/,
 * actors/orchestrator/) answer with these types and the thin clients (cli/)
 * read them. Types only: clients `import type` it, so it adds nothing to
 * their bundles.
 *
 * A request's fields marked optional have a default in the supervisor (named
 * in each field's comment); a handler still checks every field it reads,
 * since a request is JSON from whoever can connect.
 */
import type { PayloadOf } from '../machines/events.js';
import type { Discrepancy } from '../machines/plan/reality.js';
import type { ServiceContextBase, ServiceState } from '../machines/service/events.js';

export type { ServiceState };

/** What `s6rc status` shows of one service: s6-svstat's fields (what both service machines keep) plus its type and state. */
export interface ServiceStatus extends ServiceContextBase {
  type: 'longrun' | 'oneshot';
  state: ServiceState;
  /** Oneshots: the last script ran under a supervisor that died and its outcome is unknown (present only then). */
  outcomeUnknown?: true;
  /** Longruns: every death of run since the supervisor created the service (s6's deathTally is bounded). */
  deaths?: number;
  /** Longruns: when the pending restart is due (restart throttle or restart-backoff), ms since the epoch. */
  respawnAt?: number;
  /** Longruns with notify-socket: the last STATUS=, RELOADING=1/STOPPING=1 until READY=1, MAINPID=. */
  notifyStatus?: string;
  notifyPhase?: 'reloading' | 'stopping';
  mainPid?: number;
}

/** A service's status as the socket sends it: whether it is in the live state, and the supervisor's clock. */
export interface StatusView extends ServiceStatus {
  /** In the live state ("normally up" in s6-svstat terms). */
  normallyUp: boolean;
  /** The supervisor's wall clock when the status was taken (ms). */
  now: number;
}

/** A request with no fields. */
type NoFields = Record<string, never>;

/** Service names: atomics or bundles (expanded to their atomics); an unknown one fails the request with exit 3. */
interface Services {
  /** `status`, `subscribe`: none = every atomic; the manual controls: none = nothing. */
  services?: string[];
}

/** What a change records as its invocation. */
interface Invocation {
  /** The client's command line, program name first (default: none; `reload`: `s6rc reload names...`). */
  argv?: string[];
  /** Who asked (default: `unknown`; `reload`: `request`). */
  user?: string;
}

/** A `change`: s6-rc's options, parsed by the client. */
export interface ChangeRequest extends Invocation {
  /** Atomic or bundle names (default: none). */
  names?: string[];
  /** Default `up`; `DOWN` stops essential services too. */
  direction?: 'up' | 'down' | 'DOWN';
  /** `-a`: add the live state's services to the selection (default false). */
  all?: boolean;
  /** `-p`: first bring down everything up but not wanted (default false). */
  prune?: boolean;
  /** 0 silent, 1 warnings (default), 2 one line per transition, 3 debug. */
  verbosity?: number;
  /** `-n`: simulate, waiting this many ms per transition; null (default) for a real change. */
  dryRun?: number | null;
  /** `-t`: ms for the whole change, the wait for the lock included; 0 (default) = none. */
  timeout?: number;
  /** `-b`: wait for the lock instead of failing with 111 (default false). */
  block?: boolean;
  /** Also stream the change as data: its plan (`ChangePlanned`), then each step of each transition (`TransitionProgress`) (default false). */
  events?: boolean;
}

/** An `update` (s6-rc-update), its conversion file read and lexed by the client. */
export interface UpdateRequest extends Invocation {
  /** The new compiled database, an absolute path (required: exit 100 without it). */
  compiled: string;
  /** The conversion file's lines, each lexed into words (default: none). */
  conversions?: string[][];
  /** `-n`: print what it would do, change nothing (default false). */
  dryRun?: boolean;
  /** `-t`: ms for the whole update; 0 (default) = none. */
  timeout?: number;
  /** As `change`'s (default 1). */
  verbosity?: number;
  /** `-e`: stop essential services like any other (default false). */
  forceEssentials?: boolean;
  /** `-b`: wait for the lock (default false). */
  block?: boolean;
  /** Also stream the update as data: its plan (`UpdatePlanned`), then each of its phases as a change's `events` (default false). */
  events?: boolean;
}

/** `list` / `listall`: s6-rc's selection, printed rather than changed. */
export interface ListRequest {
  /** Default: none. */
  names?: string[];
  /** `-a`: add the live state's services to the selection (default false). */
  all?: boolean;
  /** `-d`: `list` inverts the selection, `listall` follows dependents instead of dependencies (default false). */
  down?: boolean;
  /** `-e`, or `-D` without `-E`: leave essential services out (default false). */
  hideEssentials?: boolean;
}

/**
 * `signal`: a signal by name to the services (`group`: to a longrun's whole
 * process group), or each longrun's own reload-signal (`reloadSignal`).
 */
export type SignalRequest = Services &
  (
    | { signal: string; group?: boolean; reloadSignal?: false }
    | { reloadSignal: true; signal?: never; group?: never }
  );

/** Each operation's request fields (besides `id` and `op`, which the client adds). */
export interface Requests {
  ping: NoFields;
  info: NoFields;
  status: Services;
  subscribe: Services;
  up: Services;
  down: Services;
  restart: Services;
  once: Services;
  exit: Services;
  signal: SignalRequest;
  /** s6-rc 0.7 `reload`; `verbosity` (default 1) and `timeout` (ms, default 0 = none) as `change`'s. */
  reload: Services & Invocation & { verbosity?: number; timeout?: number };
  shutdown: {
    /** ms; on expiry SIGKILL what still runs (default: none). */
    timeout?: number;
    /** Recorded as the shutdown change's user (default `request`). */
    user?: string;
  };
  change: ChangeRequest;
  /** `why` defaults to `cancelled`. */
  'change-cancel': { changeId: number; why?: string };
  update: UpdateRequest;
  list: ListRequest;
  listall: ListRequest;
  diff: NoFields;
  reconcile: NoFields;
  /**
   * `history --prune-before` deleted the events up to `cut` (it writes the log
   * itself): the supervisor, which alone hands out seqs, records it as a
   * `log.pruned` event. Every field is a non-negative integer.
   */
  pruned: { before: number; cut: number; events: number; checkpoints: number; changes: number };
}

export type Op = keyof Requests;

/** A reconciliation: where the live state and the actors disagreed. */
export type Correction = Discrepancy;

/** How a change ended besides its exit code: it ran to its end, stopped early (`-t`, a cancel), or could not be planned. */
export type ChangeEnd =
  | { changeId: number | null; succeeded: number; failed: number; blocked: number }
  | { changeId: number | null; stoppedBy: 'timeout' | 'cancel' }
  | { changeId: number | null; error: string };

/** How an update ended besides its exit code: a dry run, not switched (a stop failed or the time ran out), or switched. */
export type UpdateEnd =
  | { switched: false }
  | { changeId: number; switched: false }
  | { changeId: number; switched: true; stopped: string[]; started: string[] };

/** Each operation's final answer. */
export interface Results {
  ping: { pong: true; pid: number; boot: number };
  /** `openRequests`: the requests not yet answered, by op. */
  /** `eventStore`: writes queued, commits failed in a row (a full disk), service events dropped past the queue bound and not yet recorded. */
  info: {
    pid: number;
    live: string;
    store: string;
    boot: number;
    started: number;
    services: number;
    rss: number;
    eventStore: { pending: number; failedCommits: number; dropped: number };
    openRequests: Record<string, number>;
  };
  /** `seq`: the last event the supervisor had appended when it answered (its log reaches it within a commit, unless the disk is full). */
  status: { services: StatusView[]; seq: number };
  /** Never answered: it streams until the client cancels or goes away. */
  subscribe: never;
  up: { services: string[] };
  down: { services: string[] };
  restart: { services: string[] };
  once: { services: string[] };
  exit: { services: string[]; note: string };
  /** `signal` is absent with `reloadSignal`. */
  signal: { services: string[]; signal?: string };
  reload: { services: string[]; exitCode: number };
  shutdown: { stopped: number; killed: string[]; timedOut: boolean };
  change: { exitCode: number } & ChangeEnd;
  'change-cancel': { cancelled: boolean };
  update: { exitCode: number } & UpdateEnd;
  list: { services: string[] };
  listall: { services: string[] };
  /** `lines`: `+name` / `-name`; `unknown`: oneshots whose outcome was lost with a dead supervisor. */
  diff: { lines: string[]; unknown: { service: string; error: string | null }[] };
  reconcile: { corrections: Correction[] };
  pruned: { recorded: true };
}

/** A change's id, sent first (null for a dry run). */
export interface ChangeStarted {
  changeId: number | null;
}

/** One transition of a change: a service brought up or down. */
export interface TransitionRef {
  service: string;
  kind: 'up' | 'down';
}

/** With `events`: what a change will do, sent once it is planned, before its first transition. */
export interface ChangePlanned {
  planned: {
    /** Every transition it plans (with `prune`, the stops first), whatever happens to them. */
    transitions: TransitionRef[];
    /** Services a down change leaves up because they are marked essential. */
    essentialKept: string[];
  };
}

/**
 * One step of one transition, as the event log records it
 * (`transition.scheduled`, `.succeeded`, `.failed`, `.blocked`): `failed`
 * carries the exit code or signal and s6-rc's reason (`command exited 1`);
 * `blocked` (never started) names the service whose failure blocked it.
 */
export type TransitionStep = TransitionRef &
  (
    | { step: 'scheduled' }
    | { step: 'succeeded' }
    | { step: 'failed'; code: number | null; signal: string | null; reason: string }
    | { step: 'blocked'; by: string | null }
  );

/** With `events`: a step of a transition, as it happens. */
export interface TransitionProgress {
  transition: TransitionStep;
}

/** With `events`: an update's plan (what its `update.planned` event records), sent before it stops anything; a dry run's too. */
export interface UpdatePlanned {
  update: PayloadOf<'update.planned'>;
}

/** s6-rc's output for the client's stdout (`out`) and stderr (`err`); one or both. */
export interface Output {
  out?: string;
  err?: string;
}

/** Each operation's progress messages (none for the others). */
export interface Progress {
  /** First the current status of each service, then one per change of it. */
  subscribe: { status: StatusView };
  /** `text`: the orchestrated shutdown's lines; the events: what it stopped after it. */
  shutdown: { event: 'stopping' | 'stopped'; service: string } | { text: string };
  /** `ChangePlanned` and `TransitionProgress` only with `events`. */
  change: ChangeStarted | Output | ChangePlanned | TransitionProgress;
  /** Data only with `events`: the plan, then its phases' plans and steps (no change id: they are the update's). */
  update: Output | UpdatePlanned | ChangePlanned | TransitionProgress;
  reload: { changeId: number } | { err: string };
}

export type ProgressOf<O extends Op> = O extends keyof Progress ? Progress[O] : never;

/** One line the supervisor writes: a progress message, the result, or an error with the exit code the client ends with. */
export type Answer<O extends Op = Op> =
  | { id: number | string | null; type: 'progress'; data: ProgressOf<O> }
  | { id: number | string | null; type: 'result'; data: Results[O] }
  | { id: number | string | null; type: 'error'; exitCode: number; message: string };
