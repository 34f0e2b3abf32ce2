import type { ServiceStatus, StatusView } from '../../protocol/types.js';

/** What the socket sends for one service: the actor's status, whether it is in the live state, and the supervisor's clock. */
export function statusView(status: ServiceStatus, live: ReadonlySet<string>): StatusView {
  return { ...status, normallyUp: live.has(status.name), now: Date.now() };
}
