/**
 * The structure of a real XState machine, read from its resolved state nodes
 * (`machine.root`): states, transitions with event names, guards and actions
 * by name. Every exporter (stately, mermaid, dot) renders this one shape, so
 * they cannot disagree, and none of them is a hand-written copy.
 */
import type { AnyStateMachine } from 'xstate';

export interface ShapeTransition {
  /** Event type; `''` for an eventless (`always`) transition. */
  event: string;
  /** Target state ids (`longrun.starting`); empty = a targetless transition (actions only). */
  targets: string[];
  guard: string | null;
  actions: string[];
  reenter: boolean;
}

export interface ShapeState {
  /** Machine-unique id: `longrun.up-unready`. */
  id: string;
  key: string;
  /** Path from the root, without the machine id. */
  path: string[];
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** For a compound state, the id of its initial child. */
  initial: string | null;
  entry: string[];
  exit: string[];
  invoke: string[];
  description: string | null;
  transitions: ShapeTransition[];
}

export interface MachineShape {
  id: string;
  initial: string | null;
  states: ShapeState[];
  /** Every named action, guard and actor given to `setup()`, for the record. */
  actions: string[];
  guards: string[];
  actors: string[];
}

type AnyNode = AnyStateMachine['root'];

/** A readable name for a guard: `wantedUp`, `and(wantedUp, hasFinish)`, `not(busy)`. */
export function guardName(g: unknown): string | null {
  if (g === undefined || g === null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const f = g as { guards?: unknown[]; name?: string };
    if (Array.isArray(f.guards) && f.name) return `${f.name}(${f.guards.map(guardName).join(', ')})`;
    if (f.guards !== undefined && f.name) return `${f.name}(${guardName(f.guards)})`;
    return f.name || 'inline';
  }
  if (typeof g === 'object' && 'type' in (g as object)) return String((g as { type: unknown }).type);
  return String(g);
}

/** A readable name for an action (`recordExit`), never a function body. */
export function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'function') return (a as { type?: string }).type ?? (a.name || 'inline');
  if (a && typeof a === 'object' && 'type' in a) return String((a as { type: unknown }).type);
  return String(a);
}

function transitionsOf(node: AnyNode): ShapeTransition[] {
  const out: ShapeTransition[] = [];
  const add = (event: string, list: readonly unknown[]) => {
    for (const t of list as { target?: { id: string }[]; guard?: unknown; actions?: unknown[]; reenter?: boolean }[]) {
      out.push({
        event,
        targets: (t.target ?? []).map((s) => s.id),
        guard: guardName(t.guard),
        actions: (t.actions ?? []).map(actionName),
        reenter: !!t.reenter,
      });
    }
  };
  for (const t of (node.always ?? []) as unknown[]) add('', [t]);
  for (const [event, list] of node.transitions) add(event, list);
  return out;
}

/**
 * Reads `machine` into a `MachineShape`, states in document order.
 *
 * @example
 *   machineShape(longrunMachine).states.map((s) => s.key)
 *   // → ['(machine)', 'down', 'starting', 'up-unready', 'ready', 'stopping', 'failed']
 */
export function machineShape(machine: AnyStateMachine): MachineShape {
  const states: ShapeState[] = [];
  const visit = (node: AnyNode, parent: string | null) => {
    const initial = (node as unknown as { initial?: { target?: { id: string }[] } }).initial?.target?.[0]?.id ?? null;
    states.push({
      id: node.id,
      key: node.key,
      path: node.path,
      parent,
      type: node.type as ShapeState['type'],
      initial: node.type === 'compound' ? initial : null,
      entry: node.entry.map(actionName),
      exit: node.exit.map(actionName),
      invoke: ((node as unknown as { invoke?: { src: unknown }[] }).invoke ?? []).map((i) => (typeof i.src === 'string' ? i.src : actionName(i.src))),
      description: node.description ?? null,
      transitions: transitionsOf(node),
    });
    for (const child of Object.values(node.states) as AnyNode[]) visit(child, node.id);
  };
  visit(machine.root, null);
  const impl = machine.implementations as { actions?: object; guards?: object; actors?: object };
  return {
    id: machine.id,
    initial: states[0].initial,
    states,
    actions: Object.keys(impl.actions ?? {}),
    guards: Object.keys(impl.guards ?? {}),
    actors: Object.keys(impl.actors ?? {}),
  };
}
