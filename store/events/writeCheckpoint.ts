import type { Database } from 'better-sqlite3';

/**
 * Persists replay checkpoints (the folded state after event `seq`) so later
 * replays start from the nearest one instead of the first event. Any writer
 * may call it: the supervisor periodically, or `replay` for the gaps it
 * folded over. A checkpoint at the same seq is replaced (folds are deterministic).
 */
export function writeCheckpoint(db: Database, checkpoints: { seq: number; state: unknown }[]): void {
  const insert = db.prepare('INSERT OR REPLACE INTO checkpoints (seq, state) VALUES (?, ?)');
  db.transaction(() => {
    for (const c of checkpoints) insert.run(c.seq, JSON.stringify(c.state));
  })();
}
