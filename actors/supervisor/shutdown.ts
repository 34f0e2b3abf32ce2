/**
 * Brings every service down in reverse dependency order: a service stops
 * once everything that depends on it is down; independent stops run in
 * parallel. O(services + dependencies), no polling.
 */
import type { Subscription } from 'rxjs';
import type { ProgressOf } from '../../protocol/types.js';
import type { SupervisorApi } from './api.js';
import type { ServiceState } from '../service/types.js';

export interface DownAllOptions {
  changeId?: number | null;
  progress?: (message: ProgressOf<'shutdown'>) => void;
}

export interface DownAllResult {
  stopped: string[];
  killed: string[];
  timedOut: boolean;
}

const isDown = (s: ServiceState) => s === 'down' || s === 'failed';

export function bringAllDown(sup: SupervisorApi, options: DownAllOptions = {}): Promise<DownAllResult> {
  const { model, services, log } = sup;
  const names = [...services.keys()];
  const waitingOn = new Map<string, number>();
  for (const name of names) waitingOn.set(name, (model.dependents.get(name) ?? []).filter((d) => services.has(d)).length);
  const subs: Subscription[] = [];
  const stopped: string[] = [];
  const result: DownAllResult = { stopped, killed: [], timedOut: false };
  let remaining = names.length;
  // One copy of the live set, not one per service: 10,000 services must not cost 10,000 copies.
  const live = log.liveSet();

  return new Promise((resolve) => {
    if (remaining === 0) return resolve(result);
    const finish = () => {
      for (const s of subs) s.unsubscribe();
      resolve(result);
    };
    // Services whose dependents are all down, to stop next. A worklist, not recursion: stops
    // that complete at once (already down) would otherwise nest one call per link of a chain.
    const ready: string[] = [];
    let draining = false;
    const drain = () => {
      if (draining) return;
      draining = true;
      for (let name = ready.pop(); name !== undefined; name = ready.pop()) stop(name);
      draining = false;
    };
    const done = (name: string) => {
      stopped.push(name);
      if (live.delete(name)) log.setLive(name, false, options.changeId ?? null);
      options.progress?.({ event: 'stopped', service: name });
      for (const dep of (model.services.get(name) as { dependencies?: string[] })?.dependencies ?? []) {
        const left = (waitingOn.get(dep) ?? 0) - 1;
        waitingOn.set(dep, left);
        if (left === 0) ready.push(dep);
      }
      if (--remaining === 0) finish();
      else drain();
    };
    const stop = (name: string) => {
      const handle = services.get(name);
      if (!handle) return;
      if (isDown(handle.status().state)) return done(name);
      options.progress?.({ event: 'stopping', service: name });
      let finished = false;
      const sub = handle.status$.subscribe((st) => {
        if (finished || !isDown(st.state)) return;
        finished = true;
        queueMicrotask(() => sub.unsubscribe());
        done(name);
      });
      subs.push(sub);
      if (!finished) handle.down(options.changeId ?? null);
    };
    // Roots first, computed before any stop: a stop that completes at once must not make a dependency a root twice.
    ready.push(...names.filter((name) => waitingOn.get(name) === 0).reverse());
    drain();
  });
}
