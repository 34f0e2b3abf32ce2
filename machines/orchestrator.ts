/**
 * The orchestrator machine: runs the transitions of one `change` as soon as
 * their prerequisites succeeded, in parallel, and decides the exit code.
 *
 * States: `reconciling` (the executor aligns the live state with reality and
 * plans; `PLANNED` carries the plan) → `stopping-unwanted` (down transitions;
 * with `-p` this is "first the unwanted services are all brought down") →
 * `starting-wanted` (up transitions) → `done`. `TIMEOUT` or `CANCEL` lead to
 * `draining`: nothing new starts, transitions in flight finish and are counted.
 *
 * The machine is pure: no clocks, no processes, no invoke/after. The executor
 * (actors/orchestrator/) starts exactly the transitions listed in
 * `context.runnable` after each event and reports back with
 * `TRANSITION_SUCCEEDED` / `TRANSITION_FAILED`. Per-transition bookkeeping lives
 * in a `Ledger` (machines/plan/ledger.ts) updated inside the named `assign`s in
 * time proportional to the edges an event touches; the context itself stays a
 * handful of fields, so each event costs O(affected edges), not O(plan).
 */
import { assign, setup } from 'xstate';
import { EXIT } from './errors.js';
import { Ledger } from './plan/ledger.js';
import type { Plan } from './plan/types.js';

export type OrchestratorEvent =
  | { type: 'PLANNED'; plan: Plan }
  | { type: 'TRANSITION_SUCCEEDED'; service: string }
  | { type: 'TRANSITION_FAILED'; service: string; code?: number | null; signal?: string | null; reason?: string | null }
  | { type: 'TIMEOUT' }
  | { type: 'CANCEL'; why: string };

export interface OrchestratorContext {
  ledger: Ledger | null;
  /** Transition ids the last event made runnable: the executor starts exactly these, once. */
  runnable: readonly number[];
  /** Transition ids the last failure blocked (never to run in this change). */
  blocked: readonly number[];
  stoppedBy: 'timeout' | 'cancel' | null;
  why: string | null;
  exitCode: number | null;
}

export interface OrchestratorOutput {
  exitCode: number;
  succeeded: number;
  failed: number;
  blocked: number;
  stoppedBy: 'timeout' | 'cancel' | null;
}


function idOfEvent(context: OrchestratorContext, event: OrchestratorEvent): number | undefined {
  return 'service' in event ? context.ledger?.idOf.get(event.service) : undefined;
}

export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
    output: {} as OrchestratorOutput,
  },
  actions: {
    adoptPlan: assign(({ event }) => {
      if (event.type !== 'PLANNED') return {};
      return { ledger: new Ledger(event.plan), runnable: [], blocked: [] };
    }),
    openDownPhase: assign(({ context }) => ({ runnable: context.ledger!.openPhase('down'), blocked: [] })),
    openUpPhase: assign(({ context }) => ({ runnable: context.ledger!.openPhase('up'), blocked: [] })),
    recordSuccess: assign(({ context, event }) => ({
      runnable: context.ledger!.succeed(idOfEvent(context, event)!, true),
      blocked: [],
    })),
    recordSuccessWithoutScheduling: assign(({ context, event }) => {
      context.ledger!.succeed(idOfEvent(context, event)!, false);
      return { runnable: [], blocked: [] };
    }),
    recordFailure: assign(({ context, event }) => ({
      runnable: [],
      blocked: context.ledger!.fail(idOfEvent(context, event)!),
    })),
    markTimedOut: assign({ stoppedBy: 'timeout' as const, why: 'timed out', runnable: [], blocked: [] }),
    markCancelled: assign(({ event }) => ({
      stoppedBy: 'cancel' as const,
      why: event.type === 'CANCEL' ? event.why : 'cancelled',
      runnable: [],
      blocked: [],
    })),
    decideExitCode: assign(({ context }) => {
      const failed = context.ledger?.failed ?? 0;
      let exitCode = failed > 0 ? EXIT.failed : 0;
      if (context.stoppedBy === 'timeout') exitCode = EXIT.timedOut;
      if (context.stoppedBy === 'cancel') exitCode = EXIT.failed;
      return { exitCode, runnable: [] };
    }),
  },
  guards: {
    isRunningTransition: ({ context, event }) => context.ledger?.isRunning(idOfEvent(context, event)) ?? false,
    downPhaseSettled: ({ context }) => context.ledger!.phaseSettled('down'),
    upPhaseSettled: ({ context }) => context.ledger!.phaseSettled('up'),
    nothingInFlight: ({ context }) => (context.ledger?.inFlight ?? 0) === 0,
  },
}).createMachine({
  id: 'orchestrator',
  context: { ledger: null, runnable: [], blocked: [], stoppedBy: null, why: null, exitCode: null },
  initial: 'reconciling',
  states: {
    reconciling: {
      on: {
        PLANNED: { target: 'stopping-unwanted', actions: 'adoptPlan' },
        TIMEOUT: { target: 'draining', actions: 'markTimedOut' },
        CANCEL: { target: 'draining', actions: 'markCancelled' },
      },
    },
    'stopping-unwanted': {
      entry: 'openDownPhase',
      always: { guard: 'downPhaseSettled', target: 'starting-wanted' },
      on: {
        TRANSITION_SUCCEEDED: { guard: 'isRunningTransition', actions: 'recordSuccess' },
        TRANSITION_FAILED: { guard: 'isRunningTransition', actions: 'recordFailure' },
        TIMEOUT: { target: 'draining', actions: 'markTimedOut' },
        CANCEL: { target: 'draining', actions: 'markCancelled' },
      },
    },
    'starting-wanted': {
      entry: 'openUpPhase',
      always: { guard: 'upPhaseSettled', target: 'done' },
      on: {
        TRANSITION_SUCCEEDED: { guard: 'isRunningTransition', actions: 'recordSuccess' },
        TRANSITION_FAILED: { guard: 'isRunningTransition', actions: 'recordFailure' },
        TIMEOUT: { target: 'draining', actions: 'markTimedOut' },
        CANCEL: { target: 'draining', actions: 'markCancelled' },
      },
    },
    draining: {
      always: { guard: 'nothingInFlight', target: 'done' },
      on: {
        TRANSITION_SUCCEEDED: { guard: 'isRunningTransition', actions: 'recordSuccessWithoutScheduling' },
        TRANSITION_FAILED: { guard: 'isRunningTransition', actions: 'recordFailure' },
      },
    },
    done: { type: 'final', entry: 'decideExitCode' },
  },
  output: ({ context }) => ({
    exitCode: context.exitCode ?? 0,
    succeeded: context.ledger?.succeeded ?? 0,
    failed: context.ledger?.failed ?? 0,
    blocked: context.ledger?.blocked ?? 0,
    stoppedBy: context.stoppedBy,
  }),
});
