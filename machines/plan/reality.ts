/**
 * What the supervisor's actors say about a service, against what the live
 * state records: the basis of `diff` and of reconciliation (SPEC §4).
 */
import type { AtomicType } from '../model.js';
import type { ServiceState } from '../service/events.js';

/**
 * Whether a service is really up, judged from its actor's state; `null` when the
 * actor is between states (starting, stopping, running but not ready yet) and
 * the recorded value should stand.
 *
 * - a longrun is up when ready, down when down or failed (it died permanently);
 * - a oneshot is up after its `up` succeeded (ready) and down after `down` ran;
 *   a failed oneshot script leaves its recorded state as it was (s6-rc only
 *   changes the live state on success).
 */
export function reallyUp(type: AtomicType, state: ServiceState): boolean | null {
  if (state === 'ready') return true;
  if (state === 'down') return false;
  if (state === 'failed' && type === 'longrun') return false;
  return null;
}

export interface Discrepancy {
  service: string;
  /** What the live state records. */
  recordedUp: boolean;
  /** What the actor says. */
  actualUp: boolean;
  state: ServiceState;
}

/**
 * Every atomic whose recorded live state disagrees with its actor, in `atomics` order.
 *
 * @example findDiscrepancies(['db'], new Set(['db']), () => ({ type: 'longrun', state: 'failed' }))
 *   // → [{ service: 'db', recordedUp: true, actualUp: false, state: 'failed' }]
 */
export function findDiscrepancies(
  atomics: readonly string[],
  live: ReadonlySet<string>,
  stateOf: (name: string) => { type: AtomicType; state: ServiceState } | undefined,
): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const service of atomics) {
    const actual = stateOf(service);
    if (!actual) continue;
    const actualUp = reallyUp(actual.type, actual.state);
    const recordedUp = live.has(service);
    if (actualUp !== null && actualUp !== recordedUp) out.push({ service, recordedUp, actualUp, state: actual.state });
  }
  return out;
}
