import { appendEvents } from './appendEvents.js';
import type { EventStore } from './types.js';

/** Records a successful transition in the live state: a `live.up`/`live.down` event and the `live_state` row. */
export function setLive(store: EventStore, service: string, up: boolean, changeId: number | null, time = Date.now()): void {
  appendEvents(store, [{ type: up ? 'live.up' : 'live.down', service, changeId, time, live: up }]);
}
