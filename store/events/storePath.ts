import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the event log of a live directory is: `-s` wins, then `S6RC_STORE`,
 * then the path written in `live/store` (by `init -s`), else `live/events.db`.
 *
 * @example
 *   storePath('/run/s6rc') // → '/run/s6rc/events.db'
 */
export function storePath(live: string, explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.S6RC_STORE) return process.env.S6RC_STORE;
  try {
    const written = readFileSync(join(live, 'store'), 'utf8').trim();
    if (written) return written;
  } catch {
    // no `store` file: the log lives in the live directory
  }
  return join(live, 'events.db');
}
