import { readFileSync } from 'node:fs';

/**
 * The soft limit on open files, from /proc/self/limits (Node cannot read or
 * raise RLIMIT_NOFILE itself), or null when unknown.
 */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

/**
 * A warning when the fd limit is too low for this many longruns (each holds
 * a readiness pipe and pipeline ends while it starts), saying how to raise it.
 */
export function fdLimitWarning(longruns: number): string | null {
  const limit = openFileLimit();
  const needed = 2 * longruns + 64;
  if (limit === null || limit >= needed) return null;
  return (
    `the open-file limit is ${limit}, ${longruns} longruns may need about ${needed}: ` +
    `services that cannot be started fail with EMFILE; raise it before starting the supervisor ` +
    `(ulimit -n ${needed}, or prlimit --nofile=${needed} --pid <shell pid>)`
  );
}
