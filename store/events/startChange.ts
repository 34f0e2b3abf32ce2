import { appendEvents } from './appendEvents.js';
import type { EventStore } from './types.js';

/**
 * Registers one `change` invocation: a `changes` row plus a `change.started`
 * event, committed with the next batch. The id is allocated at once (the
 * supervisor is the only writer).
 */
export function startChange(store: EventStore, argv: string[], user: string, time = Date.now()): number {
  const id = store.nextChangeId++;
  store.queue.push({ kind: 'change.start', id, boot: store.boot, argv: JSON.stringify(argv), user, started: time });
  appendEvents(store, [{ type: 'change.started', changeId: id, time, payload: { argv, user } }]);
  return id;
}
