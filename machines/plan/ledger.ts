/**
 * The scheduler's bookkeeping for one change: which transitions wait, run,
 * succeeded, failed or are blocked by a failure.
 *
 * Why a mutable object inside a pure machine: the orchestrator receives one
 * event per transition, and copying per-transition state on every event would
 * make a change of n transitions cost O(n²). The plan is immutable; the ledger
 * holds typed arrays that each event updates in time proportional to the edges
 * it touches (the successors of the transition that ended). The ledger is owned
 * by exactly one orchestrator actor and changed only inside its `assign`
 * actions, deterministically from the events, so folding the same events
 * through a fresh machine reproduces the same ledger.
 */
import type { Phase, Plan } from './types.js';

export const PENDING = 0;
export const RUNNING = 1;
export const SUCCEEDED = 2;
export const FAILED = 3;
export const BLOCKED = 4;
export type TransitionStatus = typeof PENDING | typeof RUNNING | typeof SUCCEEDED | typeof FAILED | typeof BLOCKED;

export class Ledger {
  readonly status: Uint8Array;
  /** Prerequisites not yet succeeded, per transition. */
  private readonly waiting: Int32Array;
  /** Transitions per phase not yet succeeded, failed or blocked: [down, up]. */
  private readonly unsettled: [number, number];
  readonly idOf = new Map<string, number>();
  inFlight = 0;
  succeeded = 0;
  failed = 0;
  blocked = 0;

  constructor(readonly plan: Plan) {
    const n = plan.transitions.length;
    this.status = new Uint8Array(n);
    this.waiting = Int32Array.from(plan.prerequisites);
    this.unsettled = [plan.downCount, n - plan.downCount];
    plan.transitions.forEach((t, id) => this.idOf.set(t.service, id));
  }

  phaseOf(id: number): Phase {
    return id < this.plan.downCount ? 'down' : 'up';
  }

  isRunning(id: number | undefined): id is number {
    return id !== undefined && this.status[id] === RUNNING;
  }

  phaseSettled(phase: Phase): boolean {
    return this.unsettled[phase === 'down' ? 0 : 1] === 0;
  }

  /** Starts every transition of `phase` that waits for nothing; returns their ids. */
  openPhase(phase: Phase): number[] {
    const [from, to] = phase === 'down' ? [0, this.plan.downCount] : [this.plan.downCount, this.plan.transitions.length];
    const started: number[] = [];
    for (let id = from; id < to; id++) if (this.waiting[id] === 0 && this.status[id] === PENDING) this.start(id, started);
    return started;
  }

  /** Records a success; with `schedule`, starts and returns the successors it unblocked. */
  succeed(id: number, schedule: boolean): number[] {
    this.settle(id, SUCCEEDED);
    this.succeeded++;
    const started: number[] = [];
    for (const next of this.plan.successors[id]) {
      if (--this.waiting[next] === 0 && schedule && this.status[next] === PENDING) this.start(next, started);
    }
    return started;
  }

  /** Records a failure and blocks everything that (transitively) waits for it; returns the blocked ids. */
  fail(id: number): number[] {
    this.settle(id, FAILED);
    this.failed++;
    const blocked: number[] = [];
    const stack = [...this.plan.successors[id]];
    while (stack.length) {
      const next = stack.pop()!;
      if (this.status[next] !== PENDING) continue;
      this.status[next] = BLOCKED;
      this.unsettled[next < this.plan.downCount ? 0 : 1]--;
      this.blocked++;
      blocked.push(next);
      for (const after of this.plan.successors[next]) stack.push(after);
    }
    return blocked;
  }

  private start(id: number, started: number[]): void {
    this.status[id] = RUNNING;
    this.inFlight++;
    started.push(id);
  }

  private settle(id: number, status: TransitionStatus): void {
    this.status[id] = status;
    this.inFlight--;
    this.unsettled[id < this.plan.downCount ? 0 : 1]--;
  }
}
