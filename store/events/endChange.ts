import { appendEvents } from './appendEvents.js';
import type { EventStore } from './types.js';

/** Closes a change: exit code and counts into `changes`, plus a `change.ended` event. */
export function endChange(store: EventStore, id: number, exitCode: number, done: number, failed: number, time = Date.now()): void {
  store.queue.push({ kind: 'change.end', id, ended: time, exitCode, done, failed });
  appendEvents(store, [{ type: 'change.ended', changeId: id, time, payload: { exitCode, done, failed } }]);
}
