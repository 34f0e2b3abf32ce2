import type { Atomic } from '../../machines/model.js';
import type { PersistedService } from '../../machines/service/events.js';
import type { AdoptedProcesses } from './adoption.js';
import type { ScriptFiles } from './scriptFile.js';
import type { ServiceEventRecord } from './types.js';

/** Options of `createServiceActor`. */
export interface ServiceActorOptions {
  /** The compiled service (longrun or oneshot). */
  spec: Atomic;
  /**
   * Longruns: absolute path of the materialised service directory (run's cwd).
   * Oneshots: the scripts' working directory (default: the supervisor's cwd).
   */
  serviceDir?: string;
  /** Called synchronously with every event the actor receives, one record per call. */
  sink(records: ServiceEventRecord[]): void;
  /** Pipeline fds: run's stdin (consumer) and stdout (producer). Default: /dev/null and the supervisor's stdout. */
  stdin?: number;
  stdout?: number;
  /** Recovery after a supervisor crash. */
  restore?: {
    /** The persisted actor (actor_state's state + context). */
    snapshot: PersistedService;
    /**
     * The process to adopt (run, or a oneshot's running script): the recorded
     * one, or one the supervisor found by its markers; adopted if still alive
     * with the same /proc start time.
     */
    adopt?: { pid: number; startTime: string | null };
  };
  /**
   * The machine input's `since` (initial updownSince), default now. Pass the
   * time you log (e.g. the supervisor's start) so replay builds the same input.
   */
  since?: number;
  /** Clock (ms since the epoch); default Date.now. */
  now?: () => number;
  /** Grace between SIGTERM and SIGKILL when a oneshot script times out (default 1000 ms). */
  scriptKillGrace?: number;
  /**
   * Calls `spawn` once every event recorded so far is committed to the event
   * log: a process is never started before its intent is durable, so a
   * supervisor killed right after a spawn leaves a record saying so. Default:
   * at once (no event log).
   */
  whenRecorded?(spawn: () => void): void;
  /** Variables added to the environment of `run` and of the oneshot scripts (the supervisor's recovery markers). */
  env?: Record<string, string>;
  /** Oneshots: where stored `#!` scripts are written (the supervisor's `<live>/scripts`). Default: the actor's own, in /tmp, removed on dispose. */
  scripts?: ScriptFiles;
  /** Who watches an adopted process for its end (the supervisor's one watcher). Default: the actor's own. */
  adopted?: AdoptedProcesses;
}
