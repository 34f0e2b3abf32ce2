import type { EventRow } from './types.js';

/** The columns every read-side query selects, in the shape `rowToEvent` expects. */
export const EVENT_COLUMNS = 'seq, time, boot, change_id, service, type, from_state, to_state, payload';

export interface RawEventRow {
  seq: number;
  time: number;
  boot: number;
  change_id: number | null;
  service: string | null;
  type: string;
  from_state: string | null;
  to_state: string | null;
  payload: string;
}

/** One SQL row of `events` as the `EventRow` readers use (payload parsed; a bad payload reads as `{}`). */
export function rowToEvent(r: RawEventRow): EventRow {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(r.payload) as Record<string, unknown>;
  } catch {
    // a damaged payload must not hide the rest of the row
  }
  return {
    seq: r.seq,
    time: r.time,
    boot: r.boot,
    changeId: r.change_id,
    service: r.service,
    type: r.type,
    from: r.from_state,
    to: r.to_state,
    payload,
  };
}
