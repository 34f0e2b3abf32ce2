import type { EventStore } from './types.js';

/**
 * Records a new boot (each `init` or `boot` starts one) and makes it the boot
 * of every event appended from now on. Committed at once: readers key on it.
 */
export function startBoot(store: EventStore, live: string, compiled: string, time = Date.now()): number {
  const info = store.db.prepare('INSERT INTO boots (started, live, compiled) VALUES (?, ?, ?)').run(time, live, compiled);
  store.boot = Number(info.lastInsertRowid);
  return store.boot;
}
