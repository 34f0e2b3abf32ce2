/**
 * The event vocabulary and context shared by the longrun and oneshot machines.
 *
 * Every event carries `time` (ms since the epoch, read by the actor, never by
 * the machine) and everything else the machine needs (pids, codes, signals),
 * so folding the logged events through xstate's pure `transition()` rebuilds
 * state and context exactly. A ServiceEventRecord's payload is the event minus
 * `type`; rebuild the event with `{ type: record.type, ...record.payload }`.
 *
 * Longrun events:
 *   up {changeId?}                  want up; start unless already started (starts the timeout-up timer)
 *   once {changeId?}                s6-svc -o: start once, do not restart when run dies
 *   down {changeId?}                want down; stop (down-signal, SIGCONT, SIGKILL after timeout-kill)
 *   run.spawned {pid, startTime}    run started; startTime = field 22 of /proc/<pid>/stat (string)
 *   run.spawnFailed {error}         run could not be spawned (missing, not executable)
 *   run.exited {pid, code, signal}  run died: code (null if killed), signal name (null if exited)
 *   run.adopted {pid, startTime}    recovery: the recorded run is still alive and was adopted
 *   run.lost {pid}                  recovery: the recorded run (pid may be null) is gone
 *   readiness.notified {via}        first newline on notification-fd (via 'fd'), data/check passed (via 'check'),
 *                                   READY=1 on the notify socket (via 'notify'), readiness-probe passed (via 'probe')
 *   readiness.gaveUp {reason}       notifyoncheck exhausted its tries / global timeout (state unchanged)
 *   readiness.timeout {timeout}     timeout-up elapsed before readiness → failed
 *   respawn.due {}                  the respawn delay (1 s throttle or restart-backoff) elapsed → spawn run again
 *   health.failed {check, reason}   while ready: the watchdog expired (check 'watchdog') or the liveness probe
 *                                   crossed its threshold (check 'liveness') → stop run, then the restart policy decides
 *   notify.state {status?, phase?, mainPid?}  sd_notify STATUS=, RELOADING=1/STOPPING=1/READY=1 (phase), MAINPID=
 *   finish.exited {code, signal, error?}  finish ended (error: it could not be spawned)
 *   finish.timeout {timeout}        timeout-finish elapsed → SIGKILL finish
 *   kill.timeout {timeout}          timeout-kill elapsed while stopping → SIGKILL run
 *   control.signal {signal, reason?, group?, changeId?}
 *                                   s6-svc style signal (SIGSTOP/SIGCONT also set `paused`); reason when the supervisor
 *                                   sent it; group: to run's process group (-P/-C/-K); changeId: a reload's
 *   definition.changed {name, notifies, hasFinish, maxDeathTally, restart, restartBackoff, restartLimit}
 *                                   `update` switched databases: the service
 *                                   runs on, with its new name and definition (used from its next start)
 *
 * Oneshot events:
 *   up {changeId?}                  want up; run `up` (unless it is running)
 *   down {changeId?}                want down; run `down`; while `up` runs, cancel it (kill its process group) first
 *   reload {changeId?}              while up: run `reload` (s6-rc 0.7); the service stays up whatever it does
 *   script.spawned {pid, script: 'up'|'down', argv?, startTime?}
 *   script.spawnFailed {script, error}
 *   script.exited {pid, code, signal}
 *   script.timeout {timeout}        timeout-up/timeout-down elapsed → kill the script's process group (TERM, then KILL) and fail
 *   script.adopted {pid, startTime} recovery: the script the previous supervisor started still runs; watched until gone
 *   script.lost {pid}               recovery: the script is gone and its exit was never recorded; outcome unknown → failed
 *   control.signal {signal}         s6-svc style signal to the running script's process group
 *   definition.changed {name, hasDown}  `update` switched databases: the service stays, under its new name
 */
import type { RestartPolicy } from '../model.js';

/** SPEC §3: the only states a service actor has. */
export type ServiceState = 'down' | 'starting' | 'up-unready' | 'ready' | 'stopping' | 'failed';

export interface Timed {
  /** ms since the epoch, stamped by the actor. */
  time: number;
}

export type RequestEvent =
  | ({ type: 'up'; changeId?: number | null } & Timed)
  | ({ type: 'once'; changeId?: number | null } & Timed)
  | ({ type: 'down'; changeId?: number | null } & Timed);

export type LongrunEvent =
  | RequestEvent
  | ({ type: 'run.spawned'; pid: number; startTime: string | null } & Timed)
  | ({ type: 'run.spawnFailed'; error: string } & Timed)
  | ({ type: 'run.exited'; pid: number | null; code: number | null; signal: string | null } & Timed)
  | ({ type: 'run.adopted'; pid: number; startTime: string | null } & Timed)
  | ({ type: 'run.lost'; pid: number | null } & Timed)
  | ({ type: 'readiness.notified'; via: 'fd' | 'check' | 'notify' | 'probe' } & Timed)
  | ({ type: 'readiness.gaveUp'; reason: string } & Timed)
  | ({ type: 'readiness.timeout'; timeout: number } & Timed)
  | ({ type: 'respawn.due' } & Timed)
  | ({ type: 'health.failed'; check: 'watchdog' | 'liveness'; reason: string } & Timed)
  | ({ type: 'notify.state'; status?: string; phase?: NotifyPhase | 'running'; mainPid?: number } & Timed)
  | ({ type: 'finish.exited'; code: number | null; signal: string | null; error?: string } & Timed)
  | ({ type: 'finish.timeout'; timeout: number } & Timed)
  | ({ type: 'kill.timeout'; timeout: number } & Timed)
  | ({ type: 'control.signal'; signal: string; reason?: string; group?: boolean; changeId?: number | null } & Timed)
  | ({ type: 'definition.changed' } & Omit<LongrunInput, 'since'> & Timed);

export type OneshotEvent =
  | Exclude<RequestEvent, { type: 'once' }>
  | ({ type: 'reload'; changeId?: number | null } & Timed)
  | ({ type: 'script.spawned'; pid: number; script: 'up' | 'down' | 'reload'; argv?: string[]; startTime?: string | null } & Timed)
  | ({ type: 'script.adopted'; pid: number; startTime: string | null } & Timed)
  | ({ type: 'script.spawnFailed'; script: 'up' | 'down' | 'reload'; error: string } & Timed)
  | ({ type: 'script.exited'; pid: number; code: number | null; signal: string | null } & Timed)
  | ({ type: 'script.timeout'; timeout: number } & Timed)
  | ({ type: 'script.lost'; pid: number | null } & Timed)
  | ({ type: 'control.signal'; signal: string; reason?: string } & Timed)
  | ({ type: 'definition.changed' } & Omit<OneshotInput, 'since'> & Timed);

/** What both machines keep: everything `s6rc status` (s6-svstat) shows. JSON-serialisable. */
export interface ServiceContextBase {
  name: string;
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
}

/** What the service said it is doing over sd_notify (RELOADING=1, STOPPING=1); null once READY=1 again. */
export type NotifyPhase = 'reloading' | 'stopping';

export interface LongrunContext extends ServiceContextBase {
  /** /proc start time of `pid`, compared on recovery before adopting. */
  startTime: string | null;
  /** Time of the last spawn of run: the respawn throttle counts from it. */
  spawnedAt: number | null;
  maxDeathTally: number;
  /** notification-fd or notifyoncheck: readiness is awaited after spawn. */
  notifies: boolean;
  hasFinish: boolean;
  /** finish is running. */
  finishing: boolean;
  /** spawnRun was called and its outcome (spawned/spawnFailed) has not arrived yet. */
  spawning: boolean;
  /** The restart policy (`restart`, `restart-backoff`, `restart-limit`). Absent in logs older than them. */
  restart?: RestartPolicy;
  restartBackoff?: { min: number; max: number } | null;
  restartLimit?: { count: number; seconds: number } | null;
  /** Every death of run since the actor was created (deathTally is s6's, bounded). */
  deaths?: number;
  /** Consecutive restarts so far (restart-backoff's k); 0 after a requested start. */
  restartCount?: number;
  /** Recent death times inside the restart-limit window. */
  recentDeaths?: number[];
  /** When the pending respawn is due (ms since the epoch), null if none is pending. */
  respawnAt?: number | null;
  /** Why s6rc stopped run for failing a health check (watchdog, liveness); null otherwise. */
  healthFailure?: string | null;
  /** `up` came while run was being stopped: its death is a restart asked for, not a failure. */
  restartRequested?: boolean;
  /** The restart limit failed it (after finish, if any, it goes to `failed`). */
  restartLimitReached?: boolean;
  /** sd_notify: the last STATUS=, the phase, MAINPID=. */
  notifyStatus?: string | null;
  notifyPhase?: NotifyPhase | null;
  mainPid?: number | null;
}

export interface OneshotContext extends ServiceContextBase {
  hasDown: boolean;
  /** Which script is running (pid != null) or ran last. */
  script: 'up' | 'down' | 'reload' | null;
  /** /proc start time of the running script, compared on recovery before adopting it. */
  startTime: string | null;
  /** A script ran under a supervisor that died, and its exit was never recorded (until the next up or down). */
  outcomeUnknown: boolean;
}

/** Initial input of a longrun machine (see `longrunInput`). `since`: creation time. */
export interface LongrunInput {
  name: string;
  notifies: boolean;
  hasFinish: boolean;
  maxDeathTally: number;
  restart: RestartPolicy;
  restartBackoff: { min: number; max: number } | null;
  restartLimit: { count: number; seconds: number } | null;
  since: number;
}

export interface OneshotInput {
  name: string;
  hasDown: boolean;
  since: number;
}

/** The persisted form of an actor (the actor_state projection): enough to rebuild it. */
export interface PersistedService<C = LongrunContext | OneshotContext> {
  state: ServiceState;
  context: C;
}
