import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Pids of processes working inside `dir` (the service processes of a live
 * directory: each longrun runs with its service directory as cwd). Used to
 * refuse an `init` that would orphan services a dead supervisor left running.
 */
export function processesWorkingIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) pids.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}
