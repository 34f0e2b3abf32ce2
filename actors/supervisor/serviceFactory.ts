/**
 * How the supervisor makes one service actor. The real factory is
 * actors/service/'s `createServiceActor`; tests may pass their own.
 */
import type { Atomic } from '../../machines/model.js';
import type { ServiceActorOptions } from '../service/options.js';
import type { ServiceHandle, ServiceState } from '../service/types.js';

/** What a service actor is made with: the options it shares with `createServiceActor` (documented there), plus its definition, directory and recovery. */
export interface ServiceSpec extends Pick<ServiceActorOptions, 'sink' | 'env' | 'whenRecorded' | 'stdin' | 'stdout' | 'since' | 'scripts' | 'adopted'> {
  service: Atomic;
  /** The materialised service directory (longruns) or the live directory (oneshots): the cwd of its processes. */
  dir: string;
  /** The actor's last committed state (actor_state), when recovering after a supervisor died. */
  restore?: { state: ServiceState; context: unknown };
  /** When recovering: the process to adopt (the recorded one, or one found by its markers). */
  adopt?: { pid: number; startTime: string | null };
}

export type ServiceFactory = (spec: ServiceSpec) => ServiceHandle;
