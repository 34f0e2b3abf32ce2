/**
 * How the supervisor makes one service actor. The real factory is
 * actors/service/'s `createServiceActor`; tests may pass their own.
 */
import type { Atomic } from '../../machines/model.js';
import type { AdoptedProcesses } from '../service/adoption.js';
import type { ScriptFiles } from '../service/scriptFile.js';
import type { ServiceEventRecord, ServiceHandle, ServiceState } from '../service/types.js';

export interface ServiceSpec {
  service: Atomic;
  /** The materialised service directory (longruns) or the live directory (oneshots): the cwd of its processes. */
  dir: string;
  /** Every event the actor receives, for the event log. */
  sink: (records: ServiceEventRecord[]) => void;
  /** The actor's last committed state (actor_state), when recovering after a supervisor died. */
  restore?: { state: ServiceState; context: unknown };
  /** When recovering: the process to adopt (the recorded one, or one found by its markers). */
  adopt?: { pid: number; startTime: string | null };
  /** Variables for the environment of the processes it starts (the supervisor's markers). */
  env?: Record<string, string>;
  /** Commit before spawn: calls `spawn` once what is recorded so far is durable. */
  whenRecorded?: (spawn: () => void) => void;
  /** Pipeline ends: fd for stdin (consumer) / stdout (producer), held open by the supervisor. */
  stdin?: number;
  stdout?: number;
  /** The boot's start: `updownSince` of an actor no event has touched yet. */
  since?: number;
  /** The supervisor's directory for oneshots' `#!` scripts, and its watcher of adopted processes. */
  scripts?: ScriptFiles;
  adopted?: AdoptedProcesses;
}

export type ServiceFactory = (spec: ServiceSpec) => ServiceHandle;
