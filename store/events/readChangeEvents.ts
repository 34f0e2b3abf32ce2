import type { Database } from 'better-sqlite3';
import { EVENT_COLUMNS, rowToEvent, type RawEventRow } from './rowToEvent.js';
import type { EventRow } from './types.js';

/**
 * Every event of one change, oldest first (the `events_by_change` index):
 * what `plot` and `history --critical-chain` build a timeline from.
 */
export function readChangeEvents(db: Database, changeId: number): EventRow[] {
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE change_id = ? ORDER BY seq`).all(changeId) as RawEventRow[];
  return rows.map(rowToEvent);
}
