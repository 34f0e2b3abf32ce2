import type { ServiceStatus } from '../service/types.js';

/** What the socket sends for one service: the actor's status, whether it is in the live state, and the supervisor's clock. */
export interface StatusView extends ServiceStatus {
  /** In the live state ("normally up" in s6-svstat terms). */
  normallyUp: boolean;
  /** The supervisor's wall clock when the status was taken (ms). */
  now: number;
}

export function statusView(status: ServiceStatus, live: ReadonlySet<string>): StatusView {
  return { ...status, normallyUp: live.has(status.name), now: Date.now() };
}
