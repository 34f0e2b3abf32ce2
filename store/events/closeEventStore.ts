import { flushEvents } from './flushEvents.js';
import type { EventStore } from './types.js';

/**
 * Commits what is queued and closes the connection. Returns the number of
 * writes that could not be committed (reported as fatal; 0 when all is well).
 */
export function closeEventStore(store: EventStore): number {
  if (store.closed) return 0;
  flushEvents(store);
  const lost = store.queue.length;
  if (lost > 0) store.report(`s6rc: fatal: event store ${store.path}: ${lost} queued writes could not be committed before exit`);
  if (store.retryTimer) clearTimeout(store.retryTimer);
  if (store.checkpointTimer) clearTimeout(store.checkpointTimer);
  store.closed = true;
  store.db.close();
  return lost;
}
