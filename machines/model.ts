/**
 * The compiled service database as the runtime sees it, fully loaded in memory.
 *
 * `store/compiled/` writes it (compile) and reads it back (`loadCompiled`);
 * the supervisor, the orchestrator, `db`, `graph` and `boot` all work on this
 * shape, never on SQL rows. Names of atomics in `dependencies`, `atomics` and
 * pipelines are always resolved (no bundle names left).
 */

export type ServiceType = 'oneshot' | 'longrun' | 'bundle';
export type AtomicType = 'oneshot' | 'longrun';

/** A stored oneshot command: an execline-lexed argv run without a shell, or a `#!` script. */
export type Command = { kind: 'argv'; argv: string[] } | { kind: 'script'; script: string };

/** One entry of a longrun's service directory, stored so the supervisor can rebuild it. */
export interface ServiceFile {
  /** Relative to the service directory, `/`-separated: `run`, `data/check`, `env/PORT`. */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Permission bits (e.g. 0o755). */
  mode: number;
  /** File contents; for a symlink, its target as UTF-8; empty for a dir. */
  content: Buffer;
}

/** s6-notifyoncheck's options (its defaults: -s 10 -T 0 -t 0 -w 1000 -n 7 -c ./data/check). */
export interface NotifyOnCheck {
  initialSleep: number;
  globalTimeout: number;
  localTimeout: number;
  waitingTime: number;
  /** 0 = try forever. */
  tries: number;
  /** argv run with the service directory as cwd; default `['./data/check']`. */
  checkProgram: string[];
}

/** `restart`: when a dead run is started again (s6 restarts always). */
export type RestartPolicy = 'always' | 'on-failure' | 'never';

/**
 * A health probe (`readiness-probe`, `liveness-probe`): what it tries, with
 * notifyoncheck's options (-s, -T, -t, -w, -n, -c; `checkProgram` is exec's).
 */
export interface Probe extends NotifyOnCheck {
  /** `tcp HOST:PORT`: a connection is accepted; `http URL`: a 2xx answer; `exec`: the check program exits 0. */
  kind: 'tcp' | 'http' | 'exec';
  /** `HOST:PORT` for tcp, the URL for http, '' for exec. */
  target: string;
  /** -f (liveness only): consecutive failed attempts that make the service dead. */
  failureThreshold: number;
}

interface ServiceBase {
  name: string;
  type: ServiceType;
  /** flag-essential, on the service itself or inherited from a bundle containing it. */
  essential: boolean;
}

interface AtomicBase extends ServiceBase {
  type: AtomicType;
  /** ms; 0 = no timeout. */
  timeoutUp: number;
  timeoutDown: number;
  /** Direct dependencies, resolved to atomics, sorted by name. */
  dependencies: string[];
}

export interface Oneshot extends AtomicBase {
  type: 'oneshot';
  up: Command;
  /** null: `down` absent or empty, does nothing and succeeds. */
  down: Command | null;
  /** `reload` (s6-rc 0.7): what `s6rc reload` runs while it is up; null: nothing to do, success. */
  reload: Command | null;
}

export interface Longrun extends AtomicBase {
  type: 'longrun';
  notificationFd: number | null;
  /** ms; 0 = never SIGKILL. */
  timeoutKill: number;
  /** ms; default 5000. */
  timeoutFinish: number;
  /** default 100 (s6-supervise), at most 4096. */
  maxDeathTally: number;
  /** Signal name, default `SIGTERM`. */
  downSignal: string;
  /** `reload-signal`: what `s6rc reload` and `svc -l` send, default `SIGHUP`. */
  reloadSignal: string;
  /** `flag-timeout-killpg`: at the end of timeout-kill, SIGKILL goes to run's whole process group. */
  killProcessGroup: boolean;
  lockFd: number | null;
  notifyOnCheck: NotifyOnCheck | null;
  /** `restart`: default `always`. */
  restart: RestartPolicy;
  /** `restart-backoff MIN MAX` (ms): the k-th consecutive restart waits min(MAX, MIN·2^(k−1)); null: s6's 1 s throttle. */
  restartBackoff: { min: number; max: number } | null;
  /** `restart-limit COUNT SECONDS`: COUNT deaths within SECONDS fail the service for good. */
  restartLimit: { count: number; seconds: number } | null;
  /** `notify-socket`: run gets a NOTIFY_SOCKET and may speak sd_notify. */
  notifySocket: boolean;
  /** `watchdog-timeout` (ms; 0 = none): with notify-socket, WATCHDOG=1 must come this often. */
  watchdogTimeout: number;
  readinessProbe: Probe | null;
  livenessProbe: Probe | null;
  /** The consumer this producer's stdout feeds. */
  producerFor: string | null;
  /** Producers feeding this consumer's stdin (one shared pipe). */
  consumerFor: string[];
  /** Name of the pipeline bundle this last consumer defines, if any. */
  pipelineName: string | null;
  /** Every file of the service directory (run, finish, notification-fd, data/, env/, ...). */
  files: ServiceFile[];
}

export interface Bundle extends ServiceBase {
  type: 'bundle';
  /** Direct members as written in the source (may be bundles), sorted by name. */
  contents: string[];
  /** All atomics it stands for, recursively, sorted by name. */
  atomics: string[];
}

export type Atomic = Oneshot | Longrun;
export type Service = Atomic | Bundle;

/** A pipeline: longruns connected stdout → stdin, from first producers to last consumer. */
export interface Pipeline {
  /** The bundle name (`pipeline-name`), or null when none was given. */
  name: string | null;
  /** Every longrun in the pipeline, producers first, the last consumer last. */
  members: string[];
}

export interface CompiledModel {
  /** Every service by name, atomics and bundles. */
  services: Map<string, Service>;
  /** Atomics only, sorted by name. */
  atomics: string[];
  /** Atomic → atomics that depend on it directly, sorted. */
  dependents: Map<string, string[]>;
  pipelines: Pipeline[];
}
