/**
 * The compiled databases a live directory runs under: `<live>/compiled` is the
 * current one (what `db`, `graph` and the clients read); `<live>/databases/`
 * keeps a copy of each one a boot ran under, by content hash, so replay can
 * fold old events with the definitions they were produced under and a
 * recovering supervisor can put back the one the event log says is current.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseRef } from '../../store/events/types.js';
import { livePaths } from './liveDir.js';

/** The sha256 (hex) of a file's bytes. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Keeps a copy of the compiled database at `path` (its sha256 computed unless given) in `<live>/databases/` (once per content) and returns where. */
export function keepDatabase(live: string, path: string, sha256 = fileSha256(path)): DatabaseRef {
  const dir = join(live, 'databases');
  const kept = join(dir, `${sha256}.db`);
  if (!existsSync(kept)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Byte for byte (a compiled database's header proves it was never written after compile),
    // under a temporary name first: a kept copy is always whole.
    copyFileSync(path, `${kept}.new`);
    renameSync(`${kept}.new`, kept);
  }
  return { sha256, path: kept };
}

/** Makes `<live>/compiled` the kept database `database` (atomically), if it is not already; true when it replaced it. */
export function installDatabase(live: string, database: DatabaseRef): boolean {
  const target = livePaths(live).compiled;
  if (existsSync(target) && fileSha256(target) === database.sha256) return false;
  copyFileSync(database.path, `${target}.new`);
  renameSync(`${target}.new`, target);
  return true;
}
