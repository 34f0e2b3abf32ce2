import type { EventLog, LogEntry } from './api.js';
import { appendEvents } from '../../store/events/appendEvents.js';
import { endChange } from '../../store/events/endChange.js';
import { flushEvents } from '../../store/events/flushEvents.js';
import { setLive } from '../../store/events/setLive.js';
import { startChange } from '../../store/events/startChange.js';
import type { EventStore } from '../../store/events/types.js';

/**
 * The EventLog the supervisor's inhabitants write to: a thin layer over the
 * store that also keeps the live set in memory (read on every `status`).
 */
export function createEventLog(store: EventStore, live: Set<string>): EventLog {
  return {
    append(entry: LogEntry) {
      appendEvents(store, [entry]);
    },
    startChange(argv, user) {
      return startChange(store, argv, user);
    },
    endChange(id, exitCode, done, failed) {
      endChange(store, id, exitCode, done, failed);
    },
    setLive(service, up, changeId) {
      if (up) live.add(service);
      else live.delete(service);
      setLive(store, service, up, changeId);
    },
    liveSet() {
      return new Set(live);
    },
    flush() {
      flushEvents(store);
    },
  };
}
