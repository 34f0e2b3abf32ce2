import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The lock file held on lock-fd, in the directory s6-supervise keeps its own state in. */
export const RUN_LOCK_FILE = 'supervise/run.lock';

let s6SetlockPath: string | null | undefined;

/** Absolute path of s6-setlock on PATH, or null (looked up once). */
export function findS6Setlock(): string | null {
  if (s6SetlockPath !== undefined) return s6SetlockPath;
  s6SetlockPath = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 's6-setlock'), constants.X_OK);
      s6SetlockPath = join(dir, 's6-setlock');
      break;
    } catch {
      // not here
    }
  }
  return s6SetlockPath;
}

/**
 * Duplicates the lock s6-setlock leaked (at whatever fd it got) onto fd N,
 * then execs run. s6 2.11's s6-setlock has no `-d fd`, so the fd is found in
 * /proc. The original fd stays open: closing any fd of a file drops the
 * process's POSIX record locks on it.
 */
const MOVE_LOCK_FD = `lock="$(pwd -P)/${RUN_LOCK_FILE}"
for f in /proc/$$/fd/*; do [ "$(readlink "$f")" = "$lock" ] && from=\${f##*/}; done
[ -n "$from" ] || { echo "s6rc: lock-fd: lost the lock fd" >&2; exit 111; }
[ "$from" = "$1" ] && exec ./run
eval "exec ./run $1<&$from"`;

/**
 * s6's \`lock-fd N\`: run gets fd N holding an exclusive lock that dies with
 * it, so a new instance cannot start while an old one (e.g. one left behind
 * by a crashed supervisor) still runs. Node cannot take fcntl locks, so run is
 * spawned through \`s6-setlock -N supervise/run.lock sh -c <move the fd to N> ./run\`,
 * which blocks until the lock is free, puts it on fd N and execs into run:
 * the pid stays the same throughout.
 *
 * @returns the argv to spawn instead of run, or null when s6-setlock is missing.
 */
export function lockedRunArgv(lockFd: number): string[] | null {
  const setlock = findS6Setlock();
  return setlock ? [setlock, '-N', RUN_LOCK_FILE, '/bin/sh', '-c', MOVE_LOCK_FD, 'sh', String(lockFd)] : null;
}
