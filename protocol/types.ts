/**
 * The control socket's messages (docs/protocol.md), one module for both
 * sides: the supervisor's operations (actors/supervisor/, actors/orchestrator/)
 * and the thin clients (cli/). Types only: clients `import type` it, so it adds
 * nothing to their bundles.
 */
import type { ServiceState } from '../machines/service/events.js';

export type { ServiceState };

/** What `s6rc status` shows of one service: s6-svstat's fields plus our state. */
export interface ServiceStatus {
  name: string;
  type: 'longrun' | 'oneshot';
  state: ServiceState;
  /** s6-svstat "want up". */
  wantedUp: boolean;
  /** For a longrun, the run process; for a oneshot, the running up/down script. */
  pid: number | null;
  /** Last exit of run (or of the oneshot script); null if it never exited. */
  exitCode: number | null;
  /** Signal name that killed it, if it was killed. */
  signal: string | null;
  paused: boolean;
  /** ms since the epoch of the last up/down edge, and of readiness. */
  updownSince: number;
  readySince: number | null;
  /** s6-supervise's death tally, bounded by max-death-tally. */
  deathTally: number;
  /** Text of the last failure (readiness timeout, spawn error, permanent failure). */
  error: string | null;
  /** Oneshots: the last script ran under a supervisor that died and its outcome is unknown (present only then). */
  outcomeUnknown?: true;
}

/** A service's status as the socket sends it: whether it is in the live state, and the supervisor's clock. */
export interface StatusView extends ServiceStatus {
  /** In the live state ("normally up" in s6-svstat terms). */
  normallyUp: boolean;
  /** The supervisor's wall clock when the status was taken (ms). */
  now: number;
}

/** Service names: atomics or bundles (expanded to their atomics). */
interface Services {
  services?: string[];
}

/** A `change` as the client asks for it (its options, parsed). */
export interface ChangeRequest {
  /** Atomic or bundle names. */
  names: string[];
  direction: 'up' | 'down' | 'DOWN';
  all: boolean;
  prune: boolean;
  /** 0 silent, 1 warnings, 2 one line per transition, 3 debug. */
  verbosity: number;
  /** `-n`: simulate, waiting this many ms per transition; null for a real change. */
  dryRun: number | null;
  /** `-t`: ms for the whole change; 0 = none. */
  timeout: number;
  /** `-b`: wait for the lock. */
  block: boolean;
  /** The client's command line and user, recorded with the change. */
  argv: string[];
  user: string;
}

/** Each operation's request fields. */
export interface Requests {
  ping: Record<string, never>;
  info: Record<string, never>;
  status: Services;
  subscribe: Services;
  up: Services;
  down: Services;
  restart: Services;
  once: Services;
  exit: Services;
  signal: Services & { signal: string };
  shutdown: { timeout?: number; user?: string };
  change: ChangeRequest;
  'change-cancel': { changeId: number; why: string };
  list: { names: string[]; all: boolean; down: boolean };
  listall: { names: string[]; all: boolean; down: boolean };
  diff: Record<string, never>;
  reconcile: Record<string, never>;
}

export type Op = keyof Requests;

/** A reconciliation: where the live state and the actors disagreed. */
export interface Correction {
  service: string;
  recordedUp: boolean;
  actualUp: boolean;
  state: ServiceState;
}

/** Each operation's final answer. */
export interface Results {
  ping: { pong: true; pid: number; boot: number };
  info: { pid: number; live: string; store: string; boot: number; started: number; services: number; rss: number; openRequests: Record<string, number> };
  status: { services: StatusView[] };
  subscribe: never;
  up: { services: string[] };
  down: { services: string[] };
  restart: { services: string[] };
  once: { services: string[] };
  exit: { services: string[]; note: string };
  signal: { services: string[]; signal: string };
  shutdown: { stopped: number; killed: string[]; timedOut: boolean };
  change: { exitCode: number; changeId: number | null; succeeded?: number; failed?: number; blocked?: number; stoppedBy?: 'timeout' | 'cancel'; error?: string };
  'change-cancel': { cancelled: boolean };
  list: { services: string[] };
  listall: { services: string[] };
  diff: { lines: string[]; unknown: { service: string; error: string | null }[] };
  reconcile: { corrections: Correction[] };
}

/** Each operation's progress messages (none for most). */
export interface Progress {
  subscribe: { status: StatusView };
  shutdown: { event: 'stopping' | 'stopped'; service: string } | { text: string };
  /** The change's id first, then s6-rc's output for the client's stdout and stderr. */
  change: { changeId: number | null } | { out?: string; err?: string };
}

export type ProgressOf<O extends Op> = O extends keyof Progress ? Progress[O] : never;

/** One line the supervisor writes: a progress message, the result, or an error with the exit code the client ends with. */
export type Answer<O extends Op = Op> =
  | { id: number | string | null; type: 'progress'; data: ProgressOf<O> }
  | { id: number | string | null; type: 'result'; data: Results[O] }
  | { id: number | string | null; type: 'error'; exitCode: number; message: string };
