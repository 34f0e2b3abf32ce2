import { flushEvents, runAfterCommit } from './flushEvents.js';
import type { EventInput, EventRow, EventStore } from './types.js';

/**
 * Queues events for the next commit and returns them with their sequence
 * numbers. Everything queued in one event-loop turn commits in ONE
 * transaction on `setImmediate` (so a burst of 1000 services costs one
 * commit, not 1000); when the previous automatic commit is less than
 * GROUP_COMMIT_MS old, the next one waits out the rest of that window, so a
 * dependency chain (one transition per turn) shares transactions too. Call
 * `flushEvents` to commit now (the supervisor does before every reply). This
 * is also the public path for writing fixture logs: append in chunks, then flush.
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

/**
 * At most this long an appended event waits for its commit when commits come
 * back to back: a chain of transitions then costs one transaction per window
 * instead of one per turn (each commit writes several WAL pages).
 */
export const GROUP_COMMIT_MS = 5;

/** Arms the next automatic commit, unless one is armed or a retry is pending. */
export function scheduleFlush(store: EventStore): void {
  if (store.scheduled || store.retryTimer) return;
  store.scheduled = true;
  const wait = store.lastAutoCommit + GROUP_COMMIT_MS - performance.now();
  if (wait >= 1) setTimeout(autoCommit, wait, store);
  else setImmediate(autoCommit, store);
}

/**
 * Runs `then` right after the next commit, which is made at the end of this
 * event-loop turn whatever the group-commit window says: what was appended
 * before it (and during the rest of this turn) is then durable. This is how
 * the supervisor commits an intent before it spawns. If that commit fails
 * (disk full), `then` still runs: supervising goes on, with the events kept
 * in memory for the retries.
 */
export function whenCommitted(store: EventStore, then: () => void): void {
  store.afterCommit.push(then);
  if (store.urgent) return;
  store.urgent = true;
  setImmediate(() => {
    store.urgent = false;
    if (store.afterCommit.length === 0) return;
    if (!store.closed) flushEvents(store);
    runAfterCommit(store);
  });
}

function autoCommit(store: EventStore): void {
  store.scheduled = false;
  if (store.closed || store.queue.length === 0) return;
  flushEvents(store);
  store.lastAutoCommit = performance.now();
}
