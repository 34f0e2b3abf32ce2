/**
 * The pure step of a machine, `(snapshot, event) → snapshot`, exactly what
 * xstate's `transition(machine, snapshot, event)` computes (the same
 * `machine.transition` with an inert actor scope whose actions are collected,
 * never run), but with the inert scope built once per machine instead of once
 * per event: xstate's own helper spends ~50 µs creating an actor each call,
 * which would make replaying 50,000 events take seconds.
 * test/machines/replay/fold.test.ts checks both give identical snapshots.
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

export type Step = (snapshot: AnyMachineSnapshot, event: EventObject) => AnyMachineSnapshot;

export function pureStep(machine: AnyStateMachine, sample: AnyMachineSnapshot): Step {
  const self = createActor(machine, { snapshot: sample });
  const noop = () => {};
  const scope = { self, defer: noop, id: '', logger: noop, sessionId: '', stopChild: noop, system: self.system, emit: noop, actionExecutor: noop };
  return (snapshot, event) => machine.transition(snapshot, event, scope as never) as AnyMachineSnapshot;
}
