import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { longrunMachine } from '../../machines/longrun.js';
import { oneshotMachine } from '../../machines/oneshot.js';

/** Every action and guard a transition names, including names inside and()/not(). */
function referencedNames(machine: AnyStateMachine) {
  const actions = new Set<string>();
  const guards = new Set<string>();
  const guardNames = (guard: unknown): void => {
    if (typeof guard === 'string') guards.add(guard);
    else if (guard && typeof guard === 'object') {
      const g = guard as { type?: unknown; params?: unknown; guards?: unknown[] };
      if (typeof g.type === 'string') guards.add(g.type);
    } else if (typeof guard === 'function') {
      const inner = (guard as unknown as { guards?: unknown[]; check?: unknown }).guards;
      inner?.forEach(guardNames);
    }
  };
  for (const node of Object.values(machine.states) as Array<{ config: { on?: Record<string, unknown>; invoke?: unknown; after?: unknown } }>) {
    expect(node.config.invoke).toBeUndefined();
    expect(node.config.after).toBeUndefined();
    for (const transitions of Object.values(node.config.on ?? {})) {
      for (const t of ([] as Array<{ actions?: unknown[]; guard?: unknown }>).concat(transitions as never)) {
        for (const a of t.actions ?? []) if (typeof a === 'string') actions.add(a);
        if (t.guard) guardNames(t.guard);
      }
    }
  }
  return { actions, guards };
}

describe.each([
  ['longrun', longrunMachine],
  ['oneshot', oneshotMachine],
])('%s machine shape', (_name, machine) => {
  it('has no invoke/after and names only actions and guards defined in setup()', () => {
    const { actions, guards } = referencedNames(machine as AnyStateMachine);
    const defined = (machine as AnyStateMachine).implementations;
    for (const a of actions) expect(Object.keys(defined.actions), `action ${a}`).toContain(a);
    for (const g of guards) if (!g.startsWith('xstate.')) expect(Object.keys(defined.guards), `guard ${g}`).toContain(g);
    expect(actions.size).toBeGreaterThan(5);
  });
});
