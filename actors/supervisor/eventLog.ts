import type { EventStore } from '../../store/events/types.js';
import type { EventLog, LogEntry } from './api.js';

/**
 * The EventLog the supervisor's inhabitants write to: the store, plus the
 * live set kept in memory (read on every `status`).
 */
export function createEventLog(store: EventStore, live: Set<string>): EventLog {
  return {
    append(entry: LogEntry) {
      store.append([entry]);
    },
    startChange(argv, user) {
      return store.startChange(argv, user);
    },
    endChange(id, exitCode, done, failed) {
      store.endChange(id, exitCode, done, failed);
    },
    setLive(service, up, changeId) {
      if (up) live.add(service);
      else live.delete(service);
      store.setLive(service, up, changeId);
    },
    liveSet() {
      return new Set(live);
    },
    flush() {
      store.flush();
    },
  };
}
