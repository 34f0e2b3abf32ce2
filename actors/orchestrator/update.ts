/**
 * `update` inside the supervisor (s6-rc-update): plan against the new
 * database (machines/plan/update.ts), stop what must stop under the old
 * one, switch (committed in the event log first: the moment it takes
 * effect), then start what must come back under the new one. All of it is
 * one change in the event log, its phases recorded under its id.
 *
 * Exit codes (s6-rc-update's): 0 done; 1 and 2 switched, but a start failed
 * or the time ran out; 9 and 10 not switched, a stop failed or the time ran
 * out; 3, 4, 5, 6, 100 refused before anything changed.
 */
import { EXIT, Fatal } from '../../machines/errors.js';
import type { CompiledModel } from '../../machines/model.js';
import { parseConversions, planUpdate, UpdateError, type UpdatePlan } from '../../machines/plan/update.js';
import type { OrchestratorOutput } from '../../machines/orchestrator.js';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import { crashPoint } from '../supervisor/crashPoint.js';
import { fileSha256, keepDatabase } from '../supervisor/databases.js';
import { livePaths } from '../supervisor/liveDir.js';
import { debug, info, warning } from './messages.js';
import type { Orchestrator } from './orchestrator.js';
import { reconcileLive } from './reconcile.js';
import { runChange } from './runChange.js';
import type { UpdateSink } from './sink.js';

export interface UpdateOptions {
  /** The new compiled database (absolute path). */
  compiled: string;
  /** The conversion file's lines, lexed (words). */
  conversions: string[][];
  /** `-n`: print what it would do, change nothing. */
  dryRun: boolean;
  /** `-t`: ms for the whole update; 0 = none. */
  timeout: number;
  verbosity: number;
  /** `-e`: stop essential services like any other. */
  forceEssentials: boolean;
  argv: string[];
  user: string;
  /** Also send the plan and the phases' steps as data (`events` of the request). */
  events?: boolean;
}

const NOT_SWITCHED = { failed: 9, timedOut: 10 } as const;

/** A file's sha256, or null if it cannot be read (loading it says why). */
function sha256Of(path: string): string | null {
  try {
    return fileSha256(path);
  } catch {
    return null;
  }
}

/**
 * Runs one update while the change lock is held (`release` gives it back);
 * its exit code goes to `sink.finish`.
 */
export async function runUpdate(orchestrator: Orchestrator, options: UpdateOptions, sink: UpdateSink, release: () => void): Promise<void> {
  const sup = orchestrator.supervisor;
  const deadline = options.timeout > 0 ? Date.now() + options.timeout : 0;
  const left = () => (deadline ? Math.max(1, deadline - Date.now()) : 0);
  let changeId: number | null = null;
  try {
    let next: CompiledModel;
    let sha256: string | null;
    try {
      // Byte for byte the database running (a redeploy, or boot's SIGHUP with nothing edited): its model is in memory.
      sha256 = sha256Of(options.compiled);
      next = sha256 !== null && sha256 === sha256Of(livePaths(sup.live).compiled) ? sup.model : loadCompiled(options.compiled, { integrity: true });
    } catch (err) {
      if (err instanceof Fatal) throw new UpdateError(EXIT.invalidDatabase, err.message);
      throw new UpdateError(EXIT.invalidDatabase, `unable to read compiled database ${options.compiled}: ${(err as Error).message}`);
    }
    const old = sup.model;
    const conversions = parseConversions(options.conversions, old, next);
    if (!options.dryRun) changeId = sup.log.startChange(options.argv, options.user);
    // Reconciled first, as a change is: the plan starts from what really runs.
    if (changeId !== null) reconcileLive(sup, changeId);
    const plan = planUpdate({ old, next, live: sup.log.liveSet(), conversions, forceEssentials: options.forceEssentials });
    const renames = new Map([...conversions].filter(([, c]) => c.rename !== undefined).map(([name, c]) => [name, c.rename!]));
    if (options.verbosity >= 1) for (const name of plan.essentialKept) sink.stderr(warning(`service ${name} is marked as essential, not stopping it`));
    const planned = {
      compiled: options.compiled,
      stop: Object.fromEntries(plan.stop),
      start: plan.start,
      renamed: Object.fromEntries([...plan.kept].filter(([a, b]) => a !== b)),
      restartedAs: Object.fromEntries([...plan.stop.keys()].map((name) => [name, plan.identity.get(name)]).filter(([name, to]) => to && to !== name)),
      essentialKept: plan.essentialKept,
    };
    if (options.events) sink.data({ update: planned });
    if (options.dryRun) {
      dryRun(plan, options, sink);
      return sink.finish(EXIT.ok, { switched: false });
    }
    const id = changeId!;
    sup.log.append({ type: 'update.planned', changeId: id, payload: planned });
    if (options.verbosity >= 2) sink.stderr(info(`update: ${plan.stop.size} to stop, ${plan.start.length} to start, ${plan.kept.size} kept running`));

    const stopped = plan.stop.size ? await phase(orchestrator, { names: [...plan.stop.keys()], direction: 'DOWN' }, id, options, left(), sink) : null;
    if (stopped && stopped.exitCode !== EXIT.ok) {
      const code = stopped.stoppedBy === 'timeout' ? NOT_SWITCHED.timedOut : NOT_SWITCHED.failed;
      if (options.verbosity >= 1) sink.stderr(warning(`not switching to ${options.compiled}: ${code === NOT_SWITCHED.timedOut ? 'timed out stopping services' : 'some services could not be stopped'}`));
      sup.log.endChange(id, code, stopped.succeeded, stopped.failed);
      return sink.finish(code, { changeId: id, switched: false });
    }
    if (deadline && Date.now() >= deadline) {
      sup.log.endChange(id, NOT_SWITCHED.timedOut, stopped?.succeeded ?? 0, stopped?.failed ?? 0);
      return sink.finish(NOT_SWITCHED.timedOut, { changeId: id, switched: false });
    }

    sup.log.flush();
    crashPoint('update.stopped');
    sup.switchDatabase(next, keepDatabase(sup.live, options.compiled, sha256 ?? undefined), renames, id);
    crashPoint('update.switched');
    if (options.verbosity >= 3) sink.stderr(debug(`update: switched to ${options.compiled}`));

    const started = plan.start.length ? await phase(orchestrator, { names: plan.start, direction: 'up' }, id, options, left(), sink) : null;
    const exitCode = started?.exitCode ?? EXIT.ok;
    sup.log.endChange(id, exitCode, (stopped?.succeeded ?? 0) + (started?.succeeded ?? 0), (stopped?.failed ?? 0) + (started?.failed ?? 0));
    sink.finish(exitCode, { changeId: id, switched: true, stopped: [...plan.stop.keys()], started: plan.start });
  } catch (err) {
    if (changeId !== null) sup.log.endChange(changeId, err instanceof UpdateError ? err.exitCode : EXIT.system, 0, 0);
    if (err instanceof UpdateError) return sink.fail(err.exitCode, err.message);
    throw err;
  } finally {
    release();
  }
}

/**
 * One phase: a change under the update's id (its deadline is the update's).
 * It ends when the change answers, as a change answers its client: at its
 * end, or at once when it times out or is cancelled, its work in flight then
 * going on under the supervisor.
 */
async function phase(
  orchestrator: Orchestrator,
  what: { names: string[]; direction: 'up' | 'DOWN' },
  changeId: number,
  options: UpdateOptions,
  timeout: number,
  sink: UpdateSink,
): Promise<OrchestratorOutput> {
  let answered!: (output: OrchestratorOutput) => void;
  const answer = new Promise<OrchestratorOutput>((resolve) => (answered = resolve));
  const change = runChange(
    orchestrator.supervisor,
    {
      ...what,
      all: false,
      prune: false,
      verbosity: options.verbosity,
      dryRun: null,
      timeout,
      timeoutAsked: options.timeout,
      argv: options.argv,
      user: options.user,
      partOf: changeId,
      events: options.events,
    },
    // The phase's output goes to the client; its answer is not the update's.
    {
      stdout: (text) => sink.stdout(text),
      stderr: (text) => sink.stderr(text),
      fail: (exitCode, message) => sink.fail(exitCode, message),
      onGone: (listener) => sink.onGone(listener),
      // A getter, not a copy: whether the client is still there when the phase asks.
      get closed() {
        return sink.closed;
      },
      // Its plan and steps are the update's; it sends no id of its own.
      data: (message) => {
        if (!('changeId' in message)) sink.data(message);
      },
      finish: (exitCode, end) =>
        answered({
          exitCode,
          succeeded: 'succeeded' in end ? end.succeeded : 0,
          failed: 'failed' in end ? end.failed : 0,
          blocked: 'blocked' in end ? end.blocked : 0,
          stoppedBy: 'stoppedBy' in end ? end.stoppedBy : null,
        }),
    },
    () => {},
  );
  orchestrator.running.set(changeId, change);
  void change.ended.finally(() => orchestrator.running.delete(changeId));
  return answer;
}

/** `-n`: the transitions an update would perform, in order, one line each. */
function dryRun(plan: UpdatePlan, options: UpdateOptions, sink: UpdateSink): void {
  for (const [name, why] of plan.stop) sink.stdout(`s6rc-update-dryrun: down ${name} (${why})\n`);
  sink.stdout(`s6rc-update-dryrun: switch to ${options.compiled}\n`);
  for (const [from, to] of plan.kept) if (from !== to) sink.stdout(`s6rc-update-dryrun: rename ${from} -> ${to} (kept running)\n`);
  for (const name of plan.start) sink.stdout(`s6rc-update-dryrun: up ${name}\n`);
}
