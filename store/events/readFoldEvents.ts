import type { Database } from 'better-sqlite3';

/**
 * Streams events with `after < seq <= upTo` in order, as replay folds them:
 * one raw row at a time (no objects for columns replay does not need), so a
 * million-event fold holds one row in memory, not the log.
 */
export function* readFoldEvents(
  db: Database,
  after: number,
  upTo: number,
): Generator<{ seq: number; time: number; boot: number; service: string | null; type: string; payload: Record<string, unknown> }> {
  const stmt = db.prepare('SELECT seq, time, boot, service, type, payload FROM events WHERE seq > ? AND seq <= ? ORDER BY seq').raw();
  for (const r of stmt.iterate(after, upTo) as Iterable<[number, number, number, string | null, string, string]>) {
    let payload: Record<string, unknown> = {};
    if (r[3] !== null && r[4] !== 'live.up' && r[4] !== 'live.down') {
      try {
        payload = JSON.parse(r[5]) as Record<string, unknown>;
      } catch {
        // a damaged payload folds as an event without fields
      }
    }
    yield { seq: r[0], time: r[1], boot: r[2], service: r[3], type: r[4], payload };
  }
}

/** The last sequence number at or before `time` (ms), or 0; the newest seq when `time` is omitted. */
export function readSeqAt(db: Database, time?: number): number {
  if (time === undefined) return (db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number) ?? 0;
  // Walks the time index backwards from `time`: one row read, however long the log.
  return (db.prepare('SELECT seq FROM events WHERE time <= ? ORDER BY time DESC, seq DESC LIMIT 1').pluck().get(time) as number | undefined) ?? 0;
}
