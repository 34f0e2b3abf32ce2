/**
 * The one step function of a service: `(snapshot, event) → { snapshot, effects }`.
 *
 * A live service actor (actors/service/core.ts) takes an event, steps, appends
 * the event to the log and then performs the effects; replay
 * (machines/replay/fold.ts) is the same step folded over the log with the
 * effects dropped. So "replay reproduces live" holds by construction.
 *
 * The step is xstate's own `machine.transition(snapshot, event, scope)` (what
 * `transition()` computes), with one inert actor scope per machine built on
 * first use instead of one per event (xstate's helper creates an actor per
 * call, too slow for replaying millions of events). The scope's action
 * executor collects the effects: machines name them in `setup({ actions })`
 * and implement none (see `effectActions`), and assigns never reach it.
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

/** An effect a step asked for: the machine action's name, with the context (after the assigns before it) and the event. */
export interface Effect<Name extends string, Context, Event> {
  type: Name;
  context: Context;
  event: Event;
}

export interface Stepped<Name extends string, Context, Event> {
  snapshot: AnyMachineSnapshot;
  effects: Effect<Name, Context, Event>[];
}

export type Step<Name extends string, Context, Event> = (snapshot: AnyMachineSnapshot, event: Event) => Stepped<Name, Context, Event>;

/**
 * The step of `machine`. Not reentrant: each call returns before the next
 * (effects are performed by the caller, after the step).
 *
 * @example
 *   const step = createStep<LongrunEffect, LongrunContext, LongrunEvent>(longrunMachine);
 *   const { snapshot, effects } = step(current, { type: 'up', time: Date.now() });
 */
export function createStep<Name extends string, Context, Event extends EventObject>(machine: AnyStateMachine): Step<Name, Context, Event> {
  let collected: Effect<Name, Context, Event>[] = [];
  let scope: unknown = null;
  return (snapshot, event) => {
    scope ??= inertScope(machine, snapshot, (action) => {
      const info = action.info as { context: Context; event: Event };
      collected.push({ type: action.type as Name, context: info.context, event: info.event });
    });
    collected = [];
    const next = machine.transition(snapshot, event, scope as never) as AnyMachineSnapshot;
    return { snapshot: next, effects: collected };
  };
}

function inertScope(machine: AnyStateMachine, sample: AnyMachineSnapshot, collect: (action: { type: string; info: unknown }) => void) {
  const self = createActor(machine, { snapshot: sample });
  const noop = () => {};
  return { self, defer: noop, id: '', logger: noop, sessionId: '', stopChild: noop, system: self.system, emit: noop, actionExecutor: collect };
}

/**
 * The `actions` entries of a machine's effects: one named, empty action each,
 * so the machine stays pure and exports (Stately, diagrams) show their names.
 * Built from a `const` list of names, whose type is the effect union the
 * actor must implement in full (a missing or misspelt effect is a compile error).
 */
export function effectActions<const Names extends readonly string[]>(names: Names): Record<Names[number], () => void> {
  const effect = () => {};
  return Object.fromEntries(names.map((name) => [name, effect])) as Record<Names[number], () => void>;
}
