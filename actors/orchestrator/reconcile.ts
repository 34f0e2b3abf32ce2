/**
 * Reconciliation (SPEC §4): bring the recorded live state in line with what the
 * supervisor's actors really are, e.g. a transition that completed after a `-t`
 * exit, or a longrun that failed permanently since. Every `change` runs it first.
 */
import type { InTransit } from '../../machines/plan/plan.js';
import { findDiscrepancies, type Discrepancy } from '../../machines/plan/reality.js';
import type { SupervisorApi } from '../supervisor/api.js';

/** Where the live state and the actors disagree (what `diff` prints). */
export function currentDiscrepancies(supervisor: SupervisorApi): Discrepancy[] {
  const { model, services } = supervisor;
  return findDiscrepancies(model.atomics, supervisor.log.liveSet(), (name) => {
    const service = model.services.get(name);
    const handle = services.get(name);
    if (!service || service.type === 'bundle' || !handle) return undefined;
    return { type: service.type, state: handle.status().state };
  });
}

/** Corrects the live state, one `reconcile.corrected` event per service; returns the corrections. */
export function reconcileLive(supervisor: SupervisorApi, changeId: number | null): Discrepancy[] {
  const found = currentDiscrepancies(supervisor);
  for (const d of found) {
    supervisor.log.append({
      type: 'reconcile.corrected',
      service: d.service,
      changeId,
      from: d.recordedUp ? 'up' : 'down',
      to: d.actualUp ? 'up' : 'down',
      payload: { actorState: d.state },
    });
    supervisor.log.setLive(d.service, d.actualUp, changeId);
  }
  return found;
}

/** Which services are between states, and in which direction (see `InTransit`). */
export function servicesInTransit(supervisor: SupervisorApi): InTransit {
  return (name) => {
    const state = supervisor.services.get(name)?.status().state;
    if (state === 'starting' || state === 'up-unready') return 'up';
    if (state === 'stopping') return 'down';
    return null;
  };
}

/** The live state as reconciliation would leave it, without writing anything (for dry runs). */
export function reconciledView(supervisor: SupervisorApi): Set<string> {
  const live = supervisor.log.liveSet();
  for (const d of currentDiscrepancies(supervisor)) {
    if (d.actualUp) live.add(d.service);
    else live.delete(d.service);
  }
  return live;
}

/** Oneshots whose script ran under a supervisor that died: neither up nor down is known; the next change decides. */
export function unknownOutcomes(supervisor: SupervisorApi): { service: string; error: string | null }[] {
  const out: { service: string; error: string | null }[] = [];
  for (const [service, handle] of supervisor.services) {
    const st = handle.status();
    if (st.outcomeUnknown) out.push({ service, error: st.error });
  }
  return out;
}

/** `+name` (really up, recorded down) / `-name` (recorded up, really down), as s6-rc diff prints. */
export function diffLines(found: readonly Discrepancy[]): string[] {
  return found.map((d) => `${d.actualUp ? '+' : '-'}${d.service}`);
}
