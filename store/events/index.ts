/**
 * The event log (SPEC §4): one typed object per connection. `openEventStore`
 * gives the supervisor its `EventStore` (append, commit, projections, boots,
 * changes, checkpoints); `openEventLog` gives readers an `EventLogReader`.
 *
 *   schema.ts  the SQL schema and its migrations
 *   check.ts   refusing a file that is not a readable s6rc event log
 *   open.ts    opening it, for writing or reading
 *   reader.ts  every read query
 *   writer.ts  the write queue: group commits, retries, idle checkpoints
 *   types.ts   rows, queries and the two interfaces
 */
export { openEventLog, openEventStore, storeCheckpoints } from './open.js';
export { checkEventLog, invalidEventLog } from './check.js';
export { storePath } from './storePath.js';
export type * from './types.js';
