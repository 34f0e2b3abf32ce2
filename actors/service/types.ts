/**
 * The contract between one service actor (actors/service/) and the supervisor
 * that hosts it (actors/supervisor/), the orchestrator that drives it and the
 * socket clients that watch it.
 */
import type { Observable } from 'rxjs';
import type { ServiceEvent } from '../../machines/events.js';
import type { Atomic } from '../../machines/model.js';
import type { ServiceState } from '../../machines/service/events.js';
import type { ServiceStatus } from '../../protocol/types.js';

export type { ServiceState, ServiceStatus };

/** One event a service actor received, as appended to the event log (SPEC §4). */
export interface ServiceEventRecord {
  /** Wall clock, ms since the epoch; also inside the machine event so replay is exact. */
  time: number;
  service: string;
  /** The machine event's type, e.g. `run.spawned`, `run.exited`, `readiness.notified`. */
  type: ServiceEvent['type'];
  from: ServiceState;
  to: ServiceState;
  /** The machine event minus `type`: pid, code, signal, startTime, error... */
  payload: Record<string, unknown>;
  /** The change that asked for it, if any. */
  changeId: number | null;
  /** The machine context after the event (stored as the actor_state projection). */
  context: unknown;
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
  /** s6-svc style control: a signal to a longrun's run (`group`: its whole process group, s6-svc -P/-C/-K), or to the process group of a oneshot's running script. */
  signal(signal: NodeJS.Signals, group?: boolean): void;
  /** `s6rc reload` (s6-rc 0.7): a longrun gets its reload-signal, a oneshot runs its `reload` script. */
  reload(changeId?: number | null): void;
  /** s6-svc -o (longruns): start run if down, but do not restart it when it dies. Oneshots lack it. */
  once?(changeId?: number | null): void;
  /** SIGKILL to the process group of everything the actor started that still runs (the supervisor's last act). */
  terminate(): void;
  /**
   * `update` switched databases and the service runs on: its new definition
   * (and maybe name, service directory and markers) applies from its next
   * start; a `definition.changed` event records it.
   */
  redefine(spec: Atomic, where: { serviceDir?: string; env?: Record<string, string>; pipes?: { stdin?: number; stdout?: number } }): void;
  /** Stops every timer and releases fds; does not kill the process (the supervisor decides). */
  dispose(): void;
}
