import type { EventStore } from './types.js';

/** Continues the newest boot (a supervisor recovering a live directory); returns 0 if there is none. */
export function resumeBoot(store: EventStore): number {
  const row = store.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM boots').get() as { id: number };
  store.boot = row.id;
  return store.boot;
}
