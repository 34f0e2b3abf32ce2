import { flushEvents } from './flushEvents.js';
import type { EventInput, EventRow, EventStore } from './types.js';

/**
 * Queues events for the next commit and returns them with their sequence
 * numbers. Everything queued in one event-loop turn commits in ONE
 * transaction on `setImmediate` (so a burst of 1000 services costs one
 * fsync, not 1000); call `flushEvents` to commit now. This is also the public
 * path for writing fixture logs: append in chunks, then flush.
 */
export function appendEvents(store: EventStore, events: EventInput[]): EventRow[] {
  if (store.closed) throw new Error('event store is closed');
  const rows: EventRow[] = [];
  for (const e of events) {
    const payload = e.payload ?? {};
    const row: EventRow = {
      seq: store.nextSeq++,
      time: e.time ?? Date.now(),
      boot: store.boot,
      changeId: e.changeId ?? null,
      service: e.service ?? null,
      type: e.type,
      from: e.from ?? null,
      to: e.to ?? null,
      payload,
    };
    // JSON is made at commit time: only the last context of each actor in a batch is ever serialised.
    store.queue.push({ kind: 'event', row, actorState: e.actorState, live: e.live });
    rows.push(row);
  }
  scheduleFlush(store);
  return rows;
}

/** Arms the end-of-turn commit, unless one is armed or a retry is pending. */
export function scheduleFlush(store: EventStore): void {
  if (store.scheduled || store.retryTimer) return;
  store.scheduled = true;
  setImmediate(() => {
    store.scheduled = false;
    if (!store.closed) flushEvents(store);
  });
}
