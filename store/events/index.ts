/** The event store's public functions, one per file (emmett style). */
export { openEventStore } from './openEventStore.js';
export { appendEvents } from './appendEvents.js';
export { flushEvents } from './flushEvents.js';
export { closeEventStore } from './closeEventStore.js';
export { startBoot } from './startBoot.js';
export { resumeBoot } from './resumeBoot.js';
export { startChange } from './startChange.js';
export { endChange } from './endChange.js';
export { setLive } from './setLive.js';
export { readLiveSet } from './readLiveSet.js';
export { readActorStates } from './readActorStates.js';
export { readEvents } from './readEvents.js';
export type { EventInput, EventRow, EventStore } from './types.js';
