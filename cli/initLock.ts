/**
 * `init`'s lock on a live directory: a directory `<live>.init-lock` holding
 * the owner's pid, created atomically by mkdir. Held from the liveness check
 * to the supervisor's readiness, so two inits cannot both start supervisors.
 * A lock whose owner died is stale and taken over. `-b` waits for it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, Fatal, systemFatal } from './fatal.js';

export async function acquireInitLock(live: string, block: boolean): Promise<() => void> {
  const lock = `${live}.init-lock`;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      writeFileSync(`${lock}/pid`, `${process.pid}\n`);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Fatal(EXIT.system, `unable to create ${live}: parent directory ${dirname(live)} does not exist`);
      if (code === 'ENOTDIR') throw new Fatal(EXIT.system, `unable to create ${live}: a component of ${dirname(live)} is not a directory`);
      if (code !== 'EEXIST') throw systemFatal(`unable to lock ${live} (creating ${lock})`, err);
    }
    const owner = lockOwner(lock);
    if (owner === null) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!block) throw new Fatal(EXIT.system, `${live} is being initialised by pid ${owner} (use -b to wait)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The living owner's pid, or null when the lock is stale. */
function lockOwner(lock: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(`${lock}/pid`, 'utf8'), 10);
  } catch {
    return -1; // being created right now: treat as held
  }
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
