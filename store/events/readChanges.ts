import type { Database } from 'better-sqlite3';

/** One `change` invocation as `history --changes` shows it (the `changes` projection). */
export interface ChangeRow {
  id: number;
  boot: number;
  argv: string[];
  user: string;
  /** ms since the epoch. */
  started: number;
  /** null while it runs (or if its supervisor died before it ended). */
  ended: number | null;
  exitCode: number | null;
  done: number;
  failed: number;
  /** Why it ended with no exit code (e.g. `supervisor died`), else null. */
  reason: string | null;
}

interface RawChange {
  id: number;
  boot: number;
  argv: string;
  user: string;
  started: number;
  ended: number | null;
  exit_code: number | null;
  done: number;
  failed: number;
  reason?: string | null;
}

export interface ChangesQuery {
  id?: number;
  since?: number;
  until?: number;
  /** The last `limit` changes, oldest first. */
  limit?: number;
}

/** Change invocations, oldest first; the `changes` table is small (one row per invocation). */
export function readChanges(db: Database, q: ChangesQuery = {}): ChangeRow[] {
  const where: string[] = [];
  const args: number[] = [];
  if (q.id !== undefined) (where.push('id = ?'), args.push(q.id));
  if (q.since !== undefined) (where.push('started >= ?'), args.push(q.since));
  if (q.until !== undefined) (where.push('started <= ?'), args.push(q.until));
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = q.limit !== undefined ? ` LIMIT ${Math.floor(q.limit)}` : '';
  const rows = db
    .prepare(`SELECT * FROM (SELECT * FROM changes ${filter} ORDER BY id DESC${limit}) ORDER BY id`)
    .all(...args) as RawChange[];
  return rows.map((r) => ({
    id: r.id,
    boot: r.boot,
    argv: parseArgv(r.argv),
    user: r.user,
    started: r.started,
    ended: r.ended,
    exitCode: r.exit_code,
    done: r.done,
    failed: r.failed,
    reason: r.reason ?? null,
  }));
}

/** The id of the most recent change, or null when none was ever made. */
export function readLastChangeId(db: Database): number | null {
  const r = db.prepare('SELECT MAX(id) AS id FROM changes').get() as { id: number | null };
  return r.id;
}

function parseArgv(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    return [json];
  }
}
