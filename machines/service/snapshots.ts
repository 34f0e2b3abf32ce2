/**
 * A service's machine by its type: its step (machines/service/step.ts), its
 * initial snapshot, and snapshots restored from the `actor_state` projection
 * or a checkpoint. The live actors (actors/service/) and replay
 * (machines/replay/fold.ts) both start and step services through here.
 *
 * @example
 * let snap = initialServiceSnapshot(spec, bootTime);
 * for (const e of events) snap = stepOf(spec.type)(snap, e).snapshot;
 * snap.value // 'ready'
 */
import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import type { Atomic } from '../model.js';
import { longrunInput, longrunMachine, type LongrunEffect } from '../longrun.js';
import { oneshotInput, oneshotMachine, type OneshotEffect } from '../oneshot.js';
import type { LongrunContext, LongrunEvent, OneshotContext, OneshotEvent, PersistedService, ServiceState } from './events.js';
import { createStep, type Step } from './step.js';

export const longrunStep: Step<LongrunEffect, LongrunContext, LongrunEvent> = createStep(longrunMachine);
export const oneshotStep: Step<OneshotEffect, OneshotContext, OneshotEvent> = createStep(oneshotMachine);

/** The step of a service type, for code that handles both (replay). */
export function stepOf(type: Atomic['type']): Step<string, unknown, { type: string; time: number }> {
  return (type === 'longrun' ? longrunStep : oneshotStep) as never;
}

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

/** A persisted actor (actor_state row, checkpoint) as a machine snapshot, to continue from. */
export function restoreServiceSnapshot(type: Atomic['type'], persisted: PersistedService): AnyMachineSnapshot {
  return serviceMachine(type).resolveState({ value: persisted.state, context: persisted.context as never }) as AnyMachineSnapshot;
}

/** The persisted form of a snapshot: what actor_state stores and a checkpoint holds. */
export function persistServiceSnapshot(snapshot: AnyMachineSnapshot): PersistedService {
  return { state: snapshot.value as ServiceState, context: snapshot.context };
}
