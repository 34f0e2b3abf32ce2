import type { Database } from 'better-sqlite3';

/** The newest persisted replay checkpoint at or before `seq` (its JSON parsed), or null. */
export function readCheckpoint<T = unknown>(db: Database, seq: number = Number.MAX_SAFE_INTEGER): { seq: number; state: T } | null {
  const row = db.prepare('SELECT seq, state FROM checkpoints WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(seq) as
    | { seq: number; state: string }
    | undefined;
  if (!row) return null;
  try {
    return { seq: row.seq, state: JSON.parse(row.state) as T };
  } catch {
    return null; // a damaged checkpoint is skipped: replay folds from an older one
  }
}
