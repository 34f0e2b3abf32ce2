/**
 * The executor of one `change` inside the supervisor: reconciles, plans, then
 * drives the orchestrator machine, performing (or, with `-n`, simulating) the
 * transitions it makes runnable, logging every step with the change's id and
 * streaming s6-rc's messages to the client.
 */
import { createActor } from 'xstate';
import { EXIT } from '../../machines/errors.js';
import { orchestratorMachine, type OrchestratorEvent, type OrchestratorOutput } from '../../machines/orchestrator.js';
import { planChange } from '../../machines/plan/plan.js';
import type { ChangeRequest, Plan, Transition } from '../../machines/plan/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import { dryRunLine } from './dryRunLine.js';
import { debug, essentialLine, failedLine, failureReason, scheduledLine, succeededLine, warning } from './messages.js';
import { performTransition, type TransitionOutcome } from './performTransition.js';
import { reconciledView, reconcileLive, servicesInTransit } from './reconcile.js';
import type { ChangeSink } from './sink.js';
import type { TransitionStep } from '../../protocol/types.js';

export interface ChangeOptions extends ChangeRequest {
  /** 0 silent, 1 warnings (default), 2 one line per transition, 3 debug. */
  verbosity: number;
  /** `-n`: simulate, waiting this many ms per transition; null for a real change. */
  dryRun: number | null;
  /** `-t`: ms for the whole change; 0 = none. */
  timeout: number;
  /** The `-t` the client gave, when `timeout` is what is left of it (after a wait for the lock): what messages say. */
  timeoutAsked?: number;
  /** The client's command line and user, recorded with `change.started`. */
  argv: string[];
  user: string;
  /**
   * A phase of a larger change already recorded under this id (an update's
   * stops and starts): its events carry that id, and it neither starts nor
   * ends a change of its own.
   */
  partOf?: number;
  /** Send the plan and each transition's steps to the sink as data (the request's `events`). */
  events?: boolean;
}

export interface RunningChange {
  /** The change id in the event log (null for a dry run). */
  changeId: number | null;
  /** Stops scheduling (SIGINT/SIGTERM in the client, client gone). */
  cancel(why: string): void;
  /** Resolves when every transition it started has ended and the change is recorded. */
  readonly ended: Promise<OrchestratorOutput>;
}

/**
 * Starts a change whose lock is already held (`release` gives it back). The
 * client gets its exit code through `sink.finish` — at the end, or at once on
 * timeout/cancel — while transitions in flight go on and are still recorded.
 */
export function runChange(
  supervisor: SupervisorApi,
  options: ChangeOptions,
  sink: ChangeSink,
  release: () => void,
): RunningChange {
  const { log, model } = supervisor;
  const dry = options.dryRun !== null;
  const verbose = options.verbosity;
  const step = options.events ? (message: TransitionStep) => sink.data({ transition: message }) : () => {};
  const changeId = options.partOf ?? (dry ? null : log.startChange(options.argv, options.user));
  const ownChange = options.partOf === undefined && changeId !== null;
  const actor = createActor(orchestratorMachine).start();
  const watchers = new Map<number, () => void>();
  let plan: Plan | null = null;
  let timer: NodeJS.Timeout | undefined;
  let resolveEnded!: (o: OrchestratorOutput) => void;
  const ended = new Promise<OrchestratorOutput>((r) => (resolveEnded = r));
  let finished = false;

  // Events are processed one at a time, in order; an event posted while one is
  // being processed (a dry run completing synchronously) waits its turn.
  const queue: OrchestratorEvent[] = [];
  let pumping = false;
  const post = (event: OrchestratorEvent) => {
    if (finished) return;
    queue.push(event);
    if (pumping) return;
    pumping = true;
    try {
      for (let i = 0; i < queue.length && !finished; i++) {
        actor.send(queue[i]);
        react(queue[i]);
      }
    } finally {
      queue.length = 0;
      pumping = false;
    }
  };

  const react = (event: OrchestratorEvent) => {
    const snapshot = actor.getSnapshot();
    const { context } = snapshot;
    if (event.type === 'TIMEOUT' && context.stoppedBy === 'timeout') stoppedEarly(EXIT.timedOut, 'timeout');
    if (event.type === 'CANCEL' && context.stoppedBy === 'cancel') stoppedEarly(EXIT.failed, 'cancel', context.why);
    for (const id of context.blocked) blockedTransition(plan!.transitions[id], event);
    for (const id of context.runnable) start(id);
    if (snapshot.status === 'done') end(snapshot.output!);
  };

  const stoppedEarly = (exitCode: number, by: 'timeout' | 'cancel', why: string | null = null) => {
    const inFlight = actor.getSnapshot().context.ledger?.inFlight ?? 0;
    if (!dry) {
      if (by === 'timeout') log.append({ type: 'change.timeout', changeId, payload: { inFlight } });
      else log.append({ type: 'change.cancelled', changeId, payload: { why, inFlight } });
    }
    if (by === 'timeout' && verbose >= 1) {
      sink.stderr(warning(`timed out after ${options.timeoutAsked ?? options.timeout} ms${inFlight ? `; ${inFlight} transition${inFlight > 1 ? 's' : ''} in flight will finish under the supervisor` : ''}`));
    }
    sink.finish(exitCode, { changeId, stoppedBy: by });
    release();
  };

  const blockedTransition = (t: Transition, cause: OrchestratorEvent) => {
    const by = 'service' in cause ? cause.service : null;
    if (!dry) log.append({ type: 'transition.blocked', service: t.service, changeId, payload: { kind: t.kind, by } });
    step({ service: t.service, kind: t.kind, step: 'blocked', by });
    if (verbose >= 3) sink.stderr(debug(`service ${t.service}: not ${t.kind === 'up' ? 'starting' : 'stopping'}, since ${by} failed`));
  };

  const start = (id: number) => {
    const t = plan!.transitions[id];
    if (verbose >= 2) sink.stderr(scheduledLine(t));
    step({ service: t.service, kind: t.kind, step: 'scheduled' });
    if (dry) {
      sink.stdout(dryRunLine(model, t));
      const succeed = () => settle(t, { ok: true });
      if (options.dryRun) setTimeout(succeed, options.dryRun);
      else succeed();
      return;
    }
    log.append({ type: 'transition.scheduled', service: t.service, changeId, payload: { kind: t.kind } });
    const handle = supervisor.services.get(t.service);
    if (!handle) return settle(t, { ok: false, reason: 'no service actor' });
    watchers.set(id, performTransition(handle, t.type, t.kind, changeId, (outcome) => {
      watchers.delete(id);
      settle(t, outcome);
    }));
  };

  const settle = (t: Transition, outcome: TransitionOutcome) => {
    if (outcome.ok) {
      if (!dry) {
        log.setLive(t.service, t.kind === 'up', changeId);
        log.append({ type: 'transition.succeeded', service: t.service, changeId, payload: { kind: t.kind } });
      }
      if (verbose >= 2) sink.stderr(succeededLine(t));
      step({ service: t.service, kind: t.kind, step: 'succeeded' });
      post({ type: 'TRANSITION_SUCCEEDED', service: t.service });
      return;
    }
    const failure = { code: outcome.code ?? null, signal: outcome.signal ?? null, reason: outcome.reason ?? null };
    log.append({ type: 'transition.failed', service: t.service, changeId, payload: { kind: t.kind, ...failure } });
    if (verbose >= 1) sink.stderr(failedLine(t, outcome));
    step({ service: t.service, kind: t.kind, step: 'failed', ...failure, reason: failureReason(t, outcome) });
    // A longrun that could not come up is not left half-started (SPEC §3).
    if (t.kind === 'up' && t.type === 'longrun') supervisor.services.get(t.service)?.down(changeId);
    post({ type: 'TRANSITION_FAILED', service: t.service, ...failure });
  };

  const end = (output: OrchestratorOutput) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (ownChange) log.endChange(changeId, output.exitCode, output.succeeded, output.failed);
    if (verbose >= 3) sink.stderr(debug(`change ${changeId ?? '(dry run)'}: ${output.succeeded} done, ${output.failed} failed, ${output.blocked} not performed, exit code ${output.exitCode}`));
    sink.finish(output.exitCode, { changeId, succeeded: output.succeeded, failed: output.failed, blocked: output.blocked });
    release();
    actor.stop();
    resolveEnded(output);
  };

  const cancel = (why: string) => post({ type: 'CANCEL', why });
  sink.onGone(() => cancel('client went away'));
  if (options.timeout > 0) timer = setTimeout(() => post({ type: 'TIMEOUT' }), options.timeout);
  if (options.partOf === undefined) sink.data({ changeId });

  // Planned at once, even while an earlier change's transitions are still in flight
  // (after its -t or a cancel): a service in transit gets a transition that waits for
  // it, so only what depends on it waits too.
  Promise.resolve().then(() => {
    if (finished || actor.getSnapshot().value !== 'reconciling') return;
    let live: Set<string>;
    if (dry) live = reconciledView(supervisor);
    else {
      const corrections = reconcileLive(supervisor, changeId);
      if (verbose >= 3) for (const c of corrections) sink.stderr(debug(`reconciled: service ${c.service} is ${c.actualUp ? 'up' : 'down'} (${c.state}), not ${c.recordedUp ? 'up' : 'down'}`));
      live = log.liveSet();
    }
    plan = planChange(model, live, options, servicesInTransit(supervisor));
    if (verbose >= 1) for (const name of plan.essentialKept) sink.stderr(essentialLine(name));
    if (options.events) sink.data({ planned: { transitions: plan.transitions.map((t) => ({ service: t.service, kind: t.kind })), essentialKept: plan.essentialKept } });
    if (verbose >= 3) sink.stderr(debug(`change ${changeId ?? '(dry run)'}: ${plan.downCount} to stop, ${plan.transitions.length - plan.downCount} to start`));
    post({ type: 'PLANNED', plan });
  }).catch((err) => {
    sink.stderr(warning(`change failed: ${(err as Error).message}`));
    if (!finished) {
      finished = true;
      clearTimeout(timer);
      if (ownChange) log.endChange(changeId, 111, 0, 0);
      sink.finish(111, { changeId, error: (err as Error).message });
      release();
      actor.stop();
      resolveEnded({ exitCode: 111, succeeded: 0, failed: 0, blocked: 0, stoppedBy: null });
    }
  });

  return { changeId, cancel, ended };
}
