import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { nativeSpawner, type NativeSpawner } from './posixSpawn.js';
import { signalName } from './signals.js';

export interface SpawnedProcess {
  pid: number;
  /** The readable ends of the stdio slots created as 'pipe', by slot. */
  pipes: Map<number, Readable>;
}

export interface SpawnOptions {
  cwd: string;
  stdio: StdioOptions;
  /**
   * Variables added to the supervisor's environment for this child: the
   * markers (`S6RC_LIVE`, `S6RC_SERVICE`) by which a recovering supervisor
   * finds the processes of its services that no event recorded.
   */
  env?: Record<string, string>;
  /**
   * Start the child in a new session (setsid), as s6-supervise starts run: it
   * then leads a process group of its own, which can be signalled whole, so
   * what it forked is not left behind when it is killed.
   */
  newSession?: boolean;
}

export interface SpawnCallbacks {
  /** Called once with the exit code or signal name (one of them is null). */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * The supervisor's environment as a plain object, copied once: children run
 * in the environment the supervisor started with (nothing in the daemon
 * changes `process.env`), and Node copies `options.env` into the child's
 * envp on every spawn — from `process.env` that is one getenv() per variable,
 * from a plain object a cheap property walk.
 */
let environment: NodeJS.ProcessEnv | null = null;

/** Variables s6rc sets for its children; never inherited from the supervisor's own environment. */
const MARKERS = ['S6RC_LIVE', 'S6RC_SERVICE', 'RC_NAME'];

function baseEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of MARKERS) delete env[name];
  return env;
}

/**
 * Spawns `file` and reports its death through `onExit`; returns the pid, or
 * throws the spawn error (ENOENT, EACCES...) synchronously so the caller can
 * turn it into a `*.spawnFailed` event. With the native spawner (posixSpawn.ts)
 * this is posix_spawn and a pidfd; without it, Node's child_process.
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
  options: SpawnOptions,
  callbacks: SpawnCallbacks,
  spawner: NativeSpawner | null = nativeSpawner(),
): SpawnedProcess {
  environment ??= baseEnvironment();
  return spawner ? spawnNative(spawner, file, args, options, callbacks) : spawnNode(file, args, options, callbacks);
}

function spawnNode(file: string, args: string[], options: SpawnOptions, callbacks: SpawnCallbacks): SpawnedProcess {
  const env = options.env ? { ...environment!, ...options.env } : environment!;
  // detached: setsid() in the child, and libuv does not tie the child's lifetime to ours.
  const child = spawn(file, args, { cwd: options.cwd, stdio: options.stdio, env, detached: options.newSession === true });
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
  const pipes = new Map<number, Readable>();
  child.stdio.forEach((stream, fd) => {
    if (stream && (stream as Readable).readable) pipes.set(fd, stream as Readable);
  });
  return { pid: child.pid, pipes };
}

/** The supervisor's environment as envp strings, built once (see `environment`). */
let envp: string[] | null = null;

/**
 * posix_spawn through the addon. Stdio slots: 'ignore' (/dev/null for 0-2,
 * closed above), 'inherit', an fd number, or 'pipe' — a pipe the child writes
 * to and the supervisor reads (the readiness pipe is the only one we need).
 */
function spawnNative(spawner: NativeSpawner, file: string, args: string[], options: SpawnOptions, callbacks: SpawnCallbacks): SpawnedProcess {
  envp ??= Object.entries(environment!).map(([k, v]) => `${k}=${v}`);
  const childEnv = options.env ? envp.concat(Object.entries(options.env).map(([k, v]) => `${k}=${v}`)) : envp;
  const slots = Array.isArray(options.stdio) ? options.stdio : [options.stdio, options.stdio, options.stdio];
  const fds: number[] = [];
  const readEnds = new Map<number, number>();
  const writeEnds: number[] = [];
  const closeAll = (fds: Iterable<number>) => {
    for (const fd of fds) closeSync(fd);
  };
  let pid: number;
  try {
    slots.forEach((slot, i) => {
      if (typeof slot === 'number') fds.push(slot);
      // Inherited as a copy of our own fd i: dup2 clears close-on-exec, which Node sets on its stdio.
      else if (slot === 'inherit') fds.push(i);
      else if (slot === 'pipe') {
        const [r, w] = spawner.pipe();
        readEnds.set(i, r);
        writeEnds.push(w);
        fds.push(w);
      } else if (slot === 'ignore' || slot === null || slot === undefined) fds.push(-1);
      else throw new Error(`unsupported stdio slot ${String(slot)} for fd ${i}`);
    });
    pid = spawner.spawn(
      file,
      [file, ...args],
      childEnv,
      options.cwd,
      fds,
      (code, signal) => callbacks.onExit(code, signal === null ? null : signalName(signal)),
      options.newSession === true,
    );
  } catch (error) {
    closeAll(writeEnds);
    closeAll(readEnds.values());
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new SpawnError(file, null, code, (error as Error).message);
    throw error;
  }
  // The child has its copies of the write ends; ours would keep the pipes from ever reaching EOF.
  closeAll(writeEnds);
  const pipes = new Map<number, Readable>();
  for (const [fd, r] of readEnds) pipes.set(fd, new Socket({ fd: r, readable: true, writable: false }));
  return { pid, pipes };
}

/** Spawn failure; the errno arrives with it (posix_spawn) or just after (child_process: see `spawnErrorMessage`). */
export class SpawnError extends Error {
  constructor(
    readonly file: string,
    readonly child: ChildProcess | null,
    readonly code: string | null = null,
    readonly detail: string | null = null,
  ) {
    super(`unable to spawn ${file}${detail ? `: ${detail}` : ''}`);
  }
}

function describe(file: string, code: string | undefined, detail: string): string {
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied (not executable?)' : detail;
  return `unable to spawn ${file}: ${reason}${code ? ` (${code})` : ''}`;
}

/** The spawn error's one-line description (child_process delivers the errno asynchronously, hence a promise). */
export function spawnErrorMessage(error: SpawnError): Promise<string> {
  const child = error.child;
  if (child === null) return Promise.resolve(describe(error.file, error.code ?? undefined, error.detail ?? 'failed'));
  return new Promise((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => resolve(describe(error.file, e.code, e.message)));
  });
}

/** The readable end of the child's stdio slot `fd`, if it was created as a pipe. */
export function childStream(spawned: SpawnedProcess, fd: number): Readable | null {
  return spawned.pipes.get(fd) ?? null;
}
