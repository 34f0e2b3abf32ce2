/**
 * How long a service's transitions take, from the service events the log
 * commits: an `up` (or `once`) that moves a service out of `down` or
 * `failed` starts an up transition, a `down` that moves it out of where it
 * is starts a down transition, and the first resting state it reaches
 * (`ready`, `down`, `failed`) ends it: `ok` if that is where it was going,
 * else `failed`. So it times every transition, whoever asked (a change,
 * `svc`, `boot`); a restart after a death is not one (the restarts counter
 * counts those). A second request before the first ended replaces it.
 */
import type { EventRow } from '../../../store/events/types.js';

export type TransitionKind = 'up' | 'down';

/** One transition that ended. */
export interface TimedTransition {
  service: string;
  kind: TransitionKind;
  result: 'ok' | 'failed';
  /** From the request to the resting state, in ms of the events' own clock. */
  ms: number;
}

const RESTING: ReadonlySet<string> = new Set(['ready', 'down', 'failed']);
const GOAL: Record<TransitionKind, string> = { up: 'ready', down: 'down' };

/** Feed it committed rows in order; it reports each transition that ended. */
export class TransitionTimer {
  /** Per service: the transition in progress and when it was asked for. */
  private readonly pending = new Map<string, { kind: TransitionKind; since: number }>();

  constructor(private readonly ended: (t: TimedTransition) => void) {}

  observe(row: EventRow): void {
    const { service, from, to } = row;
    // Only a service actor's own events carry both states.
    if (service === null || from === null || to === null) return;
    const kind: TransitionKind | null = row.type === 'up' || row.type === 'once' ? 'up' : row.type === 'down' ? 'down' : null;
    if (kind) {
      const current = this.pending.get(service);
      // Ignored (already there: `up` on a ready service), or the same transition asked again.
      if (from === to && (RESTING.has(to) || current?.kind === kind)) return;
      this.pending.set(service, { kind, since: row.time });
    }
    const current = this.pending.get(service);
    if (!current || !RESTING.has(to) || (from === to && !kind)) return;
    this.pending.delete(service);
    this.ended({ service, kind: current.kind, result: to === GOAL[current.kind] ? 'ok' : 'failed', ms: Math.max(0, row.time - current.since) });
  }
}
