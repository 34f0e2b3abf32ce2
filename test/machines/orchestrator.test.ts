/**
 * The orchestrator machine driven by a simulated executor on random dependency
 * graphs with random failures, timeouts and cancels (SPEC §6 invariants).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { orchestratorMachine } from '../../machines/orchestrator.js';
import { planChange } from '../../machines/plan/plan.js';
import type { Plan } from '../../machines/plan/types.js';
import type { CompiledModel } from '../../machines/model.js';
import { chainModel } from './fixtures.js';
import { scenarioArb } from './generators.js';

interface Step {
  pick: number;
  fail: boolean;
}

/** Prerequisites of each transition, from the graph itself: dependencies' ups, or dependents' downs. */
function prerequisitesFromGraph(model: CompiledModel, plan: Plan): number[][] {
  const id = new Map(plan.transitions.map((t, i) => [t.service, i]));
  return plan.transitions.map((t) => {
    const s = model.services.get(t.service)!;
    const before = t.kind === 'up' ? (s.type === 'bundle' ? [] : s.dependencies) : model.dependents.get(t.service) ?? [];
    return before.map((b) => id.get(b)).filter((i): i is number => i !== undefined && plan.transitions[i].kind === t.kind);
  });
}

interface Run {
  started: number[];
  outcome: Map<number, 'ok' | 'failed'>;
  output: { exitCode: number; succeeded: number; failed: number; blocked: number };
  interruptedAt: number | null;
  startedAfterInterrupt: number[];
}

function simulate(model: CompiledModel, plan: Plan, steps: Step[], interrupt: { at: number; event: 'TIMEOUT' | 'CANCEL' } | null): Run {
  const prereqs = prerequisitesFromGraph(model, plan);
  const actor = createActor(orchestratorMachine).start();
  const outcome = new Map<number, 'ok' | 'failed'>();
  const started: number[] = [];
  const inFlight: number[] = [];
  const startedSet = new Set<number>();
  let interruptedAt: number | null = null;
  const startedAfterInterrupt: number[] = [];

  const doomed = (i: number, seen = new Set<number>()): boolean =>
    prereqs[i].some((p) => outcome.get(p) === 'failed' || (!seen.has(p) && (seen.add(p), doomed(p, seen))));
  const settledOrDoomed = (i: number) => outcome.has(i) || doomed(i);

  const takeRunnable = () => {
    for (const i of actor.getSnapshot().context.runnable) {
      // Nothing starts before its prerequisites succeeded, and nothing starts twice.
      expect(startedSet.has(i)).toBe(false);
      for (const p of prereqs[i]) expect(outcome.get(p)).toBe('ok');
      // Prune: the up phase starts only once every down transition is settled.
      if (plan.transitions[i].kind === 'up') for (let d = 0; d < plan.downCount; d++) expect(settledOrDoomed(d)).toBe(true);
      if (interruptedAt !== null) startedAfterInterrupt.push(i);
      startedSet.add(i);
      started.push(i);
      inFlight.push(i);
    }
  };
  const checkMaximal = () => {
    if (interruptedAt !== null || actor.getSnapshot().status === 'done') return;
    const downOpen = true;
    const upOpen = Array.from({ length: plan.downCount }, (_, d) => settledOrDoomed(d)).every(Boolean);
    plan.transitions.forEach((t, i) => {
      if (startedSet.has(i)) return;
      const open = t.kind === 'down' ? downOpen : upOpen;
      const ready = prereqs[i].every((p) => outcome.get(p) === 'ok');
      // Independent work runs in parallel: a transition whose prerequisites all succeeded is in flight.
      expect(open && ready).toBe(false);
    });
  };

  actor.send({ type: 'PLANNED', plan });
  takeRunnable();
  checkMaximal();
  let step = 0;
  while (inFlight.length) {
    if (interrupt && step === interrupt.at && interruptedAt === null) {
      interruptedAt = step;
      actor.send(interrupt.event === 'TIMEOUT' ? { type: 'TIMEOUT' } : { type: 'CANCEL', why: 'test' });
      takeRunnable();
    }
    const choice = steps[step % Math.max(1, steps.length)] ?? { pick: 0, fail: false };
    const [id] = inFlight.splice(choice.pick % inFlight.length, 1);
    const service = plan.transitions[id].service;
    outcome.set(id, choice.fail ? 'failed' : 'ok');
    actor.send(choice.fail ? { type: 'TRANSITION_FAILED', service, code: 1 } : { type: 'TRANSITION_SUCCEEDED', service });
    takeRunnable();
    checkMaximal();
    step++;
  }
  if (interrupt && interruptedAt === null) {
    actor.send(interrupt.event === 'TIMEOUT' ? { type: 'TIMEOUT' } : { type: 'CANCEL', why: 'test' });
  }
  const snapshot = actor.getSnapshot();
  expect(snapshot.status).toBe('done');
  return { started, outcome, output: snapshot.output!, interruptedAt, startedAfterInterrupt };
}

const stepsArb = fc.array(fc.record({ pick: fc.nat(1000), fail: fc.integer({ min: 0, max: 4 }).map((x) => x === 0) }), { maxLength: 60 });

describe('orchestrator machine (properties on random graphs)', () => {
  it('runs each transition once its prerequisites succeeded, maximally in parallel; a failure blocks exactly its dependents', () => {
    fc.assert(
      fc.property(scenarioArb(), stepsArb, ({ model, live, request }, steps) => {
        const plan = planChange(model, live, request);
        const run = simulate(model, plan, steps, null);
        const prereqs = prerequisitesFromGraph(model, plan);
        const failed = [...run.outcome].filter(([, o]) => o === 'failed').map(([i]) => i);
        // Blocked = depends (transitively, within the plan) on a failed transition.
        const blocked = new Set<number>();
        const dependentsOf = plan.transitions.map(() => [] as number[]);
        prereqs.forEach((ps, i) => ps.forEach((p) => dependentsOf[p].push(i)));
        const stack = failed.flatMap((f) => dependentsOf[f]);
        while (stack.length) {
          const i = stack.pop()!;
          if (!blocked.has(i)) {
            blocked.add(i);
            stack.push(...dependentsOf[i]);
          }
        }
        plan.transitions.forEach((_, i) => expect(run.outcome.has(i)).toBe(!blocked.has(i)));
        // Final live state = wanted state minus what failed and its dependents.
        const final = new Set(live);
        for (const [i, o] of run.outcome) if (o === 'ok') plan.transitions[i].kind === 'up' ? final.add(plan.transitions[i].service) : final.delete(plan.transitions[i].service);
        const expected = new Set(live);
        plan.transitions.forEach((t, i) => {
          if (failed.includes(i) || blocked.has(i)) return;
          if (t.kind === 'up') expected.add(t.service);
          else expected.delete(t.service);
        });
        expect(final).toEqual(expected);
        expect(run.output.exitCode).toBe(failed.length ? 1 : 0);
        expect(run.output.succeeded).toBe(plan.transitions.length - failed.length - blocked.size);
        expect(run.output.failed).toBe(failed.length);
        expect(run.output.blocked).toBe(blocked.size);
      }),
      { numRuns: 400 },
    );
  });

  it('after TIMEOUT or CANCEL starts nothing new, lets work in flight finish and counts it', () => {
    fc.assert(
      fc.property(scenarioArb(), stepsArb, fc.nat(20), fc.constantFrom<'TIMEOUT' | 'CANCEL'>('TIMEOUT', 'CANCEL'), ({ model, live, request }, steps, at, event) => {
        const plan = planChange(model, live, request);
        const run = simulate(model, plan, steps, { at, event });
        expect(run.startedAfterInterrupt).toEqual([]);
        // Everything that started ended, and was counted.
        for (const i of run.started) expect(run.outcome.has(i)).toBe(true);
        const ok = [...run.outcome.values()].filter((o) => o === 'ok').length;
        expect(run.output.succeeded).toBe(ok);
        const failed = [...run.outcome.values()].some((o) => o === 'failed');
        // An interrupt after the change ended changes nothing.
        if (run.interruptedAt !== null) expect(run.output.exitCode).toBe(event === 'TIMEOUT' ? 2 : 1);
        else expect(run.output.exitCode).toBe(failed ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });

  it('costs O(edges) per event: 3000 chained transitions in well under a second', () => {
    const model = chainModel(3000);
    const plan = planChange(model, new Set(), { names: model.atomics, direction: 'up', all: false, prune: false });
    const actor = createActor(orchestratorMachine).start();
    // CPU time of this process, not wall time: load from other processes must not fail a complexity check.
    const t1 = process.cpuUsage();
    actor.send({ type: 'PLANNED', plan });
    const queue = [...actor.getSnapshot().context.runnable];
    while (queue.length) {
      actor.send({ type: 'TRANSITION_SUCCEEDED', service: plan.transitions[queue.pop()!].service });
      queue.push(...actor.getSnapshot().context.runnable);
    }
    expect(actor.getSnapshot().output?.succeeded).toBe(3000);
    expect(cpuMs(t1)).toBeLessThan(1000);
  });

  it('ends at once when there is nothing to do', () => {
    const actor = createActor(orchestratorMachine).start();
    actor.send({ type: 'PLANNED', plan: { transitions: [], downCount: 0, prerequisites: [], successors: [], essentialKept: [] } });
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output?.exitCode).toBe(0);
  });

  it('ignores reports for transitions that are not running', () => {
    const model = chainModel(2);
    const plan = planChange(model, new Set(), { names: model.atomics, direction: 'up', all: false, prune: false });
    const actor = createActor(orchestratorMachine).start();
    actor.send({ type: 'PLANNED', plan });
    actor.send({ type: 'TRANSITION_SUCCEEDED', service: 's0001' }); // not started yet
    actor.send({ type: 'TRANSITION_FAILED', service: 'zork' });
    expect(actor.getSnapshot().context.ledger!.succeeded).toBe(0);
    expect(actor.getSnapshot().value).toBe('starting-wanted');
  });
});

/** Milliseconds of CPU (user + system) this process used since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}
