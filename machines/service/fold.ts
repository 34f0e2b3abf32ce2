/**
 * Replay helpers: rebuild a service actor's state from its logged events with
 * xstate's pure `transition()`, the decider's `evolve` (emmett's shape). Used
 * by `s6rc replay` and the recovery checks; never touches the OS.
 *
 * @example
 * let snap = initialServiceSnapshot(spec, bootTime);
 * for (const row of rows) snap = foldServiceEvent(spec, snap, row.type, row.payload);
 * snap.value // 'ready'
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Atomic } from '../../store/compiled/model.js';
import { longrunInput, longrunMachine } from '../longrun.js';
import { oneshotInput, oneshotMachine } from '../oneshot.js';
import type { PersistedService, ServiceState } from './events.js';

/** The pure machine for a service type. */
export function serviceMachine(type: Atomic['type']) {
  return type === 'longrun' ? longrunMachine : oneshotMachine;
}

/** The snapshot an actor starts from; `since` must be the actor's `since` option (its creation time). */
export function initialServiceSnapshot(spec: Atomic, since: number): AnyMachineSnapshot {
  return spec.type === 'longrun'
    ? initialTransition(longrunMachine, longrunInput(spec, since))[0]
    : initialTransition(oneshotMachine, oneshotInput(spec, since))[0];
}

/** Applies one logged event (`type` + payload, which includes `time`). */
export function foldServiceEvent(spec: Atomic, snapshot: AnyMachineSnapshot, type: string, payload: Record<string, unknown>): AnyMachineSnapshot {
  const machine = serviceMachine(spec.type);
  return transition(machine as never, snapshot as never, { type, ...payload } as never)[0] as AnyMachineSnapshot;
}

/** A persisted actor (actor_state row) as a machine snapshot, to continue folding from a checkpoint. */
export function restoreServiceSnapshot(spec: Atomic, persisted: PersistedService): AnyMachineSnapshot {
  return serviceMachine(spec.type).resolveState({ value: persisted.state, context: persisted.context as never }) as AnyMachineSnapshot;
}

/** The persisted form of a snapshot: what actor_state stores and `restore.snapshot` accepts. */
export function persistServiceSnapshot(snapshot: AnyMachineSnapshot): PersistedService {
  return { state: snapshot.value as ServiceState, context: snapshot.context };
}
