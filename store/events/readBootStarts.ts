import type { Database } from 'better-sqlite3';

/** Each boot's start time (ms since the epoch), by boot id. */
export function readBootStarts(db: Database): Map<number, number> {
  const rows = db.prepare('SELECT id, started FROM boots').raw().all() as [number, number][];
  return new Map(rows);
}
