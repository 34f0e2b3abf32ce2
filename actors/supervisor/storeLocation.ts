import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { livePaths } from './liveDir.js';

/**
 * Where the event log lives: `-s`, then `S6RC_STORE`, then the path recorded
 * in `<live>/store` by an earlier init, else `<live>/events.db`. Writes
 * nothing: `init` asks before it creates the live directory.
 */
export function storeLocation(live: string, option?: string): string {
  const paths = livePaths(live);
  const given = option ?? process.env.S6RC_STORE;
  if (given) return resolve(given);
  try {
    const recorded = readFileSync(paths.storeLink, 'utf8').trim();
    if (recorded) return recorded;
  } catch {
    /* none recorded */
  }
  return paths.defaultStore;
}

/**
 * Records a store outside the live directory in `<live>/store`, so readers
 * (`history`, `replay`) find it without `-s`.
 */
export function recordStoreLocation(live: string, store: string): void {
  const paths = livePaths(live);
  if (store !== paths.defaultStore) writeFileSync(paths.storeLink, store + '\n', { mode: 0o600 });
}
