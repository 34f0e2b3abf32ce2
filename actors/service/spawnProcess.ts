import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
}

export interface SpawnCallbacks {
  /** Called once with the exit code or signal name (one of them is null). */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * The supervisor's environment as a plain object, copied once: children run
 * in the environment the supervisor started with (nothing in the daemon
 * changes `process.env`), and Node copies `options.env` into the child's
 * envp on every spawn — from `process.env` that is one getenv() per variable
 * (~0.1 ms a spawn), from a plain object a cheap property walk.
 */
let environment: NodeJS.ProcessEnv | null = null;

/**
 * Spawns `file` and reports its death through `onExit`; returns the pid, or
 * throws the spawn error (ENOENT, EACCES...) synchronously so the caller can
 * turn it into a `*.spawnFailed` event.
 *
 * We listen for 'exit', not 'close': 'close' waits until every stdio stream
 * of the child is closed, and run's stdout may be a pipeline pipe or the
 * supervisor's log shared with grandchildren (a backgrounded daemon keeps it
 * open), so 'close' could come much later than the death or never. The
 * readiness pipe is read separately and does not need draining at exit.
 */
export function spawnProcess(
  file: string,
  args: string[],
  options: { cwd: string; stdio: StdioOptions },
  callbacks: SpawnCallbacks,
): SpawnedProcess {
  environment ??= { ...process.env };
  const child = spawn(file, args, { cwd: options.cwd, stdio: options.stdio, env: environment });
  if (child.pid === undefined) {
    // libuv reports exec failures synchronously: the pid is missing and 'error'
    // follows on the next tick. Swallow that event; the caller reports the error.
    child.on('error', () => {});
    throw new SpawnError(file, child);
  }
  child.on('error', () => {
    // kill() failures on a dead child: the exit event is what matters.
  });
  child.once('exit', (code, signal) => callbacks.onExit(code, signal));
  return { child, pid: child.pid };
}

/** Spawn failure; `message` is filled in once Node delivers the errno. */
export class SpawnError extends Error {
  constructor(
    readonly file: string,
    readonly child: ChildProcess,
  ) {
    super(`unable to spawn ${file}`);
  }
}

/** Node delivers the spawn error asynchronously; resolves to its one-line description. */
export function spawnErrorMessage(error: SpawnError): Promise<string> {
  return new Promise((resolve) => {
    error.child.once('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied (not executable?)' : e.message;
      resolve(`unable to spawn ${error.file}: ${reason}${e.code ? ` (${e.code})` : ''}`);
    });
  });
}

/** The readable end of the child's stdio slot `fd`, if it was created as a pipe. */
export function childStream(child: ChildProcess, fd: number): Readable | null {
  return (child.stdio[fd] as Readable | null | undefined) ?? null;
}
