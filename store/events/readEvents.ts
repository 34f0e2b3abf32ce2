import type { Database } from 'better-sqlite3';
import type { EventRow, EventStore } from './types.js';

export interface EventQuery {
  afterSeq?: number;
  service?: string;
  type?: string;
  limit?: number;
}

/** Committed events in sequence order, optionally filtered (tests, recovery reports). */
export function readEvents(store: EventStore | { db: Database }, q: EventQuery = {}): EventRow[] {
  const where: string[] = ['seq > ?'];
  const args: unknown[] = [q.afterSeq ?? 0];
  if (q.service !== undefined) (where.push('service = ?'), args.push(q.service));
  if (q.type !== undefined) (where.push('type = ?'), args.push(q.type));
  const sql = `SELECT seq, time, boot, change_id, service, type, from_state, to_state, payload FROM events WHERE ${where.join(' AND ')} ORDER BY seq${q.limit ? ' LIMIT ?' : ''}`;
  if (q.limit) args.push(q.limit);
  const rows = store.db.prepare(sql).all(...args) as Record<string, unknown>[];
  return rows.map((r) => ({
    seq: r.seq as number,
    time: r.time as number,
    boot: r.boot as number,
    changeId: (r.change_id as number | null) ?? null,
    service: (r.service as string | null) ?? null,
    type: r.type as string,
    from: (r.from_state as string | null) ?? null,
    to: (r.to_state as string | null) ?? null,
    payload: JSON.parse(r.payload as string),
  }));
}
