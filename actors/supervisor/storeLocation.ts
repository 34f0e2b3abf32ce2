import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { livePaths } from './liveDir.js';

/**
 * Where the event log lives: `-s`, then `S6RC_STORE`, then the path recorded
 * in `<live>/store` by an earlier init, else `<live>/events.db`. A store
 * outside the live directory is recorded in `<live>/store` so readers
 * (`history`, `replay`) find it.
 */
export function storeLocation(live: string, option?: string): string {
  const paths = livePaths(live);
  const given = option ?? process.env.S6RC_STORE;
  if (given) {
    const abs = resolve(given);
    if (abs !== paths.defaultStore) writeFileSync(paths.storeLink, abs + '\n', { mode: 0o600 });
    return abs;
  }
  try {
    const recorded = readFileSync(paths.storeLink, 'utf8').trim();
    if (recorded) return recorded;
  } catch {
    /* none recorded */
  }
  return paths.defaultStore;
}
