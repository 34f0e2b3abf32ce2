import { flushEvents } from './flushEvents.js';
import type { EventStore } from './types.js';

/**
 * Records a new boot (each `init` or `boot` starts one) and makes it the boot
 * of every event appended from now on. Committed at once: readers key on it.
 * Every actor starts afresh in a new boot, so the `actor_state` projection is
 * emptied in the same transaction: it only ever holds the current boot's
 * actors (an actor with no row is in its machine's initial state).
 */
export function startBoot(store: EventStore, live: string, compiled: string, time = Date.now()): number {
  flushEvents(store);
  store.db.transaction(() => {
    const info = store.db.prepare('INSERT INTO boots (started, live, compiled) VALUES (?, ?, ?)').run(time, live, compiled);
    store.boot = Number(info.lastInsertRowid);
    store.db.prepare('DELETE FROM actor_state').run();
  })();
  return store.boot;
}
