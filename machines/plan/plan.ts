/**
 * `planChange`: from the request and the live state to the transitions of a
 * change and their ordering (seed page: "From the selection, s6-rc computes the
 * closed selection; it then computes the necessary transitions"). O(V+E).
 */
import type { CompiledModel } from '../model.js';
import { closeOverDependencies, closeOverDependents } from './closure.js';
import { resolveSelection } from './resolve.js';
import type { ChangeRequest, Plan, Transition } from './types.js';

/** The selection: resolved names, plus the active set with `-a`. */
export function selectionOf(model: CompiledModel, live: ReadonlySet<string>, names: readonly string[], all: boolean): Set<string> {
  const selection = resolveSelection(model, names);
  if (all) for (const s of live) if (model.services.has(s)) selection.add(s);
  return selection;
}

/**
 * Where a service's actor is on its way, when it is between states: `up`
 * (starting, running but not ready yet) or `down` (stopping). An earlier
 * change that timed out, a manual `svc` or a restart may have left it there;
 * the live state records neither direction until the transition ends.
 */
export type InTransit = (service: string) => 'up' | 'down' | null;

const settled: InTransit = () => null;

/**
 * Plans one `change`.
 *
 * - `-u`: the closed selection (over dependencies) comes up.
 * - `-d`/`-D`: the closed selection (over dependents) goes down.
 * - `-pu`: everything outside the closed selection goes down, then it comes up.
 * - `-pd`: the closed selection (over dependents) goes down, then everything else comes up
 *   ("the maximum possible set that does not include selected services").
 * - Without `-D`, an essential service that would go down stays up, and so does
 *   everything it depends on (its dependent never went down).
 * - A service in transit (`inTransit`) is planned like one that has not
 *   arrived: going down if it is on its way up, up if on its way down. Its
 *   transition then waits for the work in flight, and only what depends on
 *   it waits with it; every other service is planned as usual.
 *
 * @example planChange(model, new Set(), { names: ['web'], direction: 'up', all: false, prune: false })
 * @throws UnknownServiceError before anything is planned.
 */
export function planChange(model: CompiledModel, live: ReadonlySet<string>, request: ChangeRequest, inTransit: InTransit = settled): Plan {
  const selection = selectionOf(model, live, request.names, request.all);
  const goingDown = request.direction !== 'up';
  let downCandidates: Set<string>;
  let wantedUp: Set<string>;
  if (!request.prune) {
    downCandidates = goingDown ? closeOverDependents(model, selection) : new Set();
    wantedUp = goingDown ? new Set() : closeOverDependencies(model, selection);
  } else if (!goingDown) {
    wantedUp = closeOverDependencies(model, selection);
    downCandidates = complement(model, wantedUp);
  } else {
    downCandidates = closeOverDependents(model, selection);
    wantedUp = complement(model, downCandidates);
  }

  const stopping = new Set<string>();
  for (const s of downCandidates) if (live.has(s) || inTransit(s) !== null) stopping.add(s);
  const essentialKept: string[] = [];
  if (request.direction !== 'DOWN') {
    const essentials: string[] = [];
    for (const s of stopping) if (model.services.get(s)?.essential) essentials.push(s);
    for (const kept of closeOverDependencies(model, essentials)) stopping.delete(kept);
    essentialKept.push(...essentials.sort());
  }

  const transitions: Transition[] = [];
  const idOf = new Map<string, number>();
  const add = (name: string, kind: 'up' | 'down') => {
    const service = model.services.get(name)!;
    idOf.set(name, transitions.length);
    transitions.push({ service: name, type: service.type === 'longrun' ? 'longrun' : 'oneshot', kind });
  };
  for (const name of model.atomics) if (stopping.has(name)) add(name, 'down');
  const downCount = transitions.length;
  for (const name of model.atomics) if (wantedUp.has(name) && (!live.has(name) || inTransit(name) === 'down')) add(name, 'up');

  const prerequisites = new Array<number>(transitions.length).fill(0);
  const successors: number[][] = transitions.map(() => []);
  for (let id = 0; id < transitions.length; id++) {
    const { service, kind } = transitions[id];
    // Down waits for its dependents to be down; up waits for its dependencies to be up.
    const before = kind === 'down' ? model.dependents.get(service) ?? [] : dependenciesOf(model, service);
    for (const other of before) {
      const otherId = idOf.get(other);
      if (otherId === undefined || transitions[otherId].kind !== kind) continue;
      prerequisites[id]++;
      successors[otherId].push(id);
    }
  }
  return { transitions, downCount, prerequisites, successors, essentialKept };
}

function dependenciesOf(model: CompiledModel, name: string): readonly string[] {
  const s = model.services.get(name);
  return s && s.type !== 'bundle' ? s.dependencies : [];
}

function complement(model: CompiledModel, set: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const a of model.atomics) if (!set.has(a)) out.add(a);
  return out;
}
