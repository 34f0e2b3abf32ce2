import { appendEvents } from './appendEvents.js';
import type { EventStore } from './types.js';

/**
 * Closes every change a dead supervisor left open (no `ended`): its exit code
 * is unknown, `reason` says why, and its counts are what the log shows it had
 * done. Called by a starting supervisor, the only writer: a change still open
 * then can only belong to one that died. Returns the ids it closed.
 */
export function closeInterruptedChanges(store: EventStore, reason: string): number[] {
  const db = store.db;
  const open = db.prepare('SELECT id, started FROM changes WHERE ended IS NULL ORDER BY id').all() as { id: number; started: number }[];
  const outcome = db.prepare(
    `SELECT COALESCE(MAX(time), 0) AS last,
            COALESCE(SUM(type = 'transition.succeeded'), 0) AS done,
            COALESCE(SUM(type = 'transition.failed'), 0) AS failed
       FROM events WHERE change_id = ?`,
  );
  for (const { id, started } of open) {
    const o = outcome.get(id) as { last: number; done: number; failed: number };
    const ended = Math.max(o.last, started);
    store.queue.push({ kind: 'change.end', id, ended, exitCode: null, done: o.done, failed: o.failed, reason });
    appendEvents(store, [{ type: 'change.ended', changeId: id, time: ended, payload: { exitCode: null, reason, done: o.done, failed: o.failed } }]);
  }
  return open.map((c) => c.id);
}
