import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import type { ServiceEventRecord } from '../../actors/service/types.js';

/** Folds logged records through a pure machine, as `s6rc replay` does. */
export function fold(machine: AnyStateMachine, input: unknown, records: ServiceEventRecord[]) {
  let [snapshot] = initialTransition(machine, input);
  const states: string[] = [];
  for (const record of records) {
    [snapshot] = transition(machine, snapshot, { type: record.type, ...record.payload } as never);
    states.push(snapshot.value as string);
  }
  return { snapshot, states };
}
