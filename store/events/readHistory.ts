import type { Database } from 'better-sqlite3';
import { EVENT_COLUMNS, rowToEvent, type RawEventRow } from './rowToEvent.js';
import type { EventRow } from './types.js';

export interface HistoryQuery {
  service?: string;
  changeId?: number;
  /** ms since the epoch, inclusive. */
  since?: number;
  /** ms since the epoch, inclusive. */
  until?: number;
  /** Only events after this sequence number (`--follow` polls with it). */
  afterSeq?: number;
  /** The LAST `limit` matching events (like `tail -n`), still returned oldest first. */
  limit?: number;
  /** With no `limit`: at most this many, from the oldest (`--follow` batches). */
  batch?: number;
}

/**
 * Events matching every given filter, oldest first. Each filter has an index
 * (`events_by_service`, `events_by_change`, `events_by_time`); `limit` walks the
 * index backwards from the newest, so `--service X --limit 100` reads 100 rows
 * however long the log is.
 *
 * @example
 *   readHistory(db, { service: 'web', limit: 100 })
 */
export function readHistory(db: Database, q: HistoryQuery = {}): EventRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.service !== undefined) (where.push('service = ?'), args.push(q.service));
  if (q.changeId !== undefined) (where.push('change_id = ?'), args.push(q.changeId));
  if (q.since !== undefined) (where.push('time >= ?'), args.push(q.since));
  if (q.until !== undefined) (where.push('time <= ?'), args.push(q.until));
  if (q.afterSeq !== undefined) (where.push('seq > ?'), args.push(q.afterSeq));
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  let sql: string;
  if (q.limit !== undefined) {
    sql = `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events ${filter} ORDER BY seq DESC LIMIT ?) ORDER BY seq`;
    args.push(q.limit);
  } else {
    sql = `SELECT ${EVENT_COLUMNS} FROM events ${filter} ORDER BY seq${q.batch !== undefined ? ' LIMIT ?' : ''}`;
    if (q.batch !== undefined) args.push(q.batch);
  }
  return (db.prepare(sql).all(...args) as RawEventRow[]).map(rowToEvent);
}
