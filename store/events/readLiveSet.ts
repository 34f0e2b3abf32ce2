import type { Database } from 'better-sqlite3';
import type { EventStore } from './types.js';

/** The committed live state: every service s6rc considers up. */
export function readLiveSet(store: EventStore | { db: Database }): Set<string> {
  const rows = store.db.prepare('SELECT service FROM live_state WHERE up = 1').pluck().all() as string[];
  return new Set(rows);
}
