import { readFileSync } from 'node:fs';

/**
 * The start time of a process (field 22 of /proc/<pid>/stat, in clock ticks
 * since boot), or null if the process is gone. A pid plus its start time
 * identifies a process even after pid reuse, which is how recovery decides
 * whether a recorded `run` can be adopted.
 *
 * @example readProcessStartTime(process.pid) // '123456'
 */
export function readProcessStartTime(pid: number): string | null {
  return procStatFields(pid)?.[22 - 3] ?? null;
}

/**
 * The fields of /proc/<pid>/stat after the command name (so index 0 is field
 * 3, the state), or null if the process is gone. The command name may hold
 * spaces and parentheses: the fields start after the last ')'.
 */
export function procStatFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** True if `pid` exists (signal 0 succeeds or is refused by permissions). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is `pid` still the process that was started at `startTime`? Zombies count as gone. */
export function isSameProcess(pid: number, startTime: string | null): boolean {
  if (!processExists(pid)) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return false;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTime === null || fields[22 - 3] === startTime;
}
