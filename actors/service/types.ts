/**
 * The contract between one service actor (actors/service/) and the supervisor
 * that hosts it (actors/supervisor/), the orchestrator that drives it and the
 * socket clients that watch it.
 */
import type { Observable } from 'rxjs';
import type { ServiceState } from '../../machines/service/events.js';

export type { ServiceState };

/** One event a service actor received, as appended to the event log (SPEC §4). */
export interface ServiceEventRecord {
  /** Wall clock, ms since the epoch; also inside the machine event so replay is exact. */
  time: number;
  service: string;
  /** The machine event's type, e.g. `run.spawned`, `run.exited`, `readiness.notified`. */
  type: string;
  from: ServiceState;
  to: ServiceState;
  /** The machine event minus `type`: pid, code, signal, startTime, error... */
  payload: Record<string, unknown>;
  /** The change that asked for it, if any. */
  changeId: number | null;
  /** The machine context after the event (stored as the actor_state projection). */
  context: unknown;
}

/** What `s6rc status` shows: s6-svstat's fields plus our state. */
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

export interface ServiceHandle {
  readonly name: string;
  status(): ServiceStatus;
  /** Emits the new status after every event (replays the current one first). */
  readonly status$: Observable<ServiceStatus>;
  /** Want up: start, wait for readiness. `changeId` is recorded with the events it causes. */
  up(changeId?: number | null): void;
  /** Want down: stop (down-signal, SIGCONT, SIGKILL after timeout-kill); for a oneshot, run `down`. */
  down(changeId?: number | null): void;
  /** s6-svc style control: a signal to a longrun's run, or to the process group of a oneshot's running script. */
  signal(signal: NodeJS.Signals): void;
  /** s6-svc -o (longruns): start run if down, but do not restart it when it dies. Oneshots lack it. */
  once?(changeId?: number | null): void;
  /** SIGKILL to the process group of everything the actor started that still runs (the supervisor's last act). */
  terminate(): void;
  /** Stops every timer and releases fds; does not kill the process (the supervisor decides). */
  dispose(): void;
}
