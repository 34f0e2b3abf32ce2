/**
 * The API's calls that change something and stream while they run —
 * `change` and `update` — as a promise of the outcome with an rxjs
 * `progress$` beside it; and `reload`. Requests are built here from the
 * API's options, as the CLI builds them from its flags (cli/rcCommands.ts,
 * cli/update.ts), and the same command line is recorded in the event log.
 */
import { resolve } from 'node:path';
import { ReplaySubject, type Observable } from 'rxjs';
import { EXIT } from '../machines/errors.js';
import { ChangeReporter, type ChangeReport } from '../protocol/changeReport.js';
import { RequestCancelled, type ControlClient } from '../protocol/client.js';
import { invokingUser, PROGRAM } from '../protocol/invocation.js';
import type { ChangeRequest, Op, ProgressOf, Requests, Results, UpdateRequest } from '../protocol/types.js';
import { S6rcError, toS6rcError } from './errors.js';
import type { ChangeCall, ChangeOptions, ReloadOptions, ReloadResult, UpdateCall, UpdateOptions, UpdateResult } from './types.js';
import { checkCount, checkNames } from './validate.js';

/** A request whose progress is replayed to every subscriber and completes with it, and whose outcome is a promise. */
function streaming<O extends Op, R>(
  control: ControlClient,
  op: O,
  request: Requests[O],
  outcome: (result: Results[O]) => R,
  onProgress?: (message: ProgressOf<O>) => void,
): { result: Promise<R>; progress$: Observable<ProgressOf<O>>; cancel(): void } {
  // Replayed: a subscriber that comes after the first messages still sees the whole change.
  const progress = new ReplaySubject<ProgressOf<O>>();
  const open = control.open(op, request, (message) => {
    onProgress?.(message);
    progress.next(message);
  });
  const result = open.result.then(outcome).then(
    (value) => {
      progress.complete();
      return value;
    },
    (err) => {
      progress.complete();
      throw toS6rcError(err);
    },
  );
  return { result, progress$: progress.asObservable(), cancel: open.cancel };
}

/** A call refused before it was sent (bad options): rejected, its progress empty. */
function refused(err: S6rcError): Promise<never> & { progress$: Observable<never>; cancel(): void } {
  const subject = new ReplaySubject<never>();
  subject.complete();
  return Object.assign(Promise.reject(err), { progress$: subject.asObservable(), cancel() {} });
}

/** The s6-rc command line equivalent to a change, recorded as its `argv`: `s6rc -u -p change web`. */
function changeArgv(request: ChangeRequest): string[] {
  const flags = [request.direction === 'DOWN' ? '-D' : request.direction === 'down' ? '-d' : '-u'];
  if (request.all) flags.push('-a');
  if (request.prune) flags.push('-p');
  if (request.block) flags.push('-b');
  if (request.dryRun !== null && request.dryRun !== undefined) flags.push('-n', String(request.dryRun));
  if (request.timeout) flags.push('-t', String(request.timeout));
  return [PROGRAM, ...flags, 'change', ...(request.names ?? [])];
}

/**
 * Starts a change (see `ChangeCall`).
 *
 * @example
 *   const call = startChange(control, { up: ['web'], timeout: 5000 });
 *   call.progress$.subscribe((m) => 'transition' in m && console.log(m.transition));
 *   const report = await call; // { exitCode: 0, done: [{ service: 'web', kind: 'up' }], ... }
 */
export function startChange(control: ControlClient, options: ChangeOptions): ChangeCall {
  let request: ChangeRequest;
  try {
    if (typeof options !== 'object' || options === null) throw new S6rcError(EXIT.usage, 'change needs its options: { up: [services] } or { down: [services] }');
    const { up, down } = options as { up?: unknown; down?: unknown };
    if ((up === undefined) === (down === undefined)) throw new S6rcError(EXIT.usage, 'change needs either up or down: the services to bring up, or down');
    const names = checkNames(up ?? down, up !== undefined ? 'up' : 'down');
    const dryRun = options.dryRun === undefined || options.dryRun === false ? null : options.dryRun === true ? 0 : checkCount(options.dryRun, 'dryRun');
    request = {
      names,
      direction: down === undefined ? 'up' : options.essentials ? 'DOWN' : 'down',
      all: options.all === true,
      prune: options.prune === true,
      verbosity: checkCount(options.verbosity ?? 0, 'verbosity'),
      dryRun,
      timeout: checkCount(options.timeout ?? 0, 'timeout'),
      block: options.block === true,
      events: true,
    };
    request.argv = options.argv ?? changeArgv(request);
    request.user = options.user ?? invokingUser();
  } catch (err) {
    return refused(toS6rcError(err));
  }

  const reporter = new ChangeReporter();
  // Its id, once the supervisor sent it (undefined before; null for a dry run), and a cancel asked for before it came.
  let changeId: number | null | undefined;
  let cancelWhy: string | null = null;
  const sendCancel = (why: string) => {
    if (typeof changeId === 'number') void control.request('change-cancel', { changeId, why }).catch(() => {});
    // A dry run has no id to cancel by: closing its request stops it.
    else call.cancel();
  };
  const call = streaming(control, 'change', request, (result): ChangeReport => reporter.report(result), (message) => {
    reporter.add(message);
    if (!('changeId' in message)) return;
    changeId = message.changeId;
    if (cancelWhy !== null) sendCancel(cancelWhy);
  });
  const cancel = (why = 'cancelled by the client') => {
    if (cancelWhy !== null) return;
    cancelWhy = why;
    if (changeId !== undefined) sendCancel(why);
  };
  // A dry run cancelled by closing its request has no report: it ends as the CLI's interrupted change does, exit 1.
  const result = call.result.catch((err: S6rcError) => {
    if (cancelWhy !== null && err.cause instanceof RequestCancelled) throw new S6rcError(EXIT.failed, `change cancelled: ${cancelWhy}`, { cause: err });
    throw err;
  });
  return Object.assign(result, { progress$: call.progress$, cancel });
}

/** Starts an update to the compiled database `compiled` (see `UpdateCall`). */
export function startUpdate(control: ControlClient, compiled: string, options: UpdateOptions = {}): UpdateCall {
  let request: UpdateRequest;
  try {
    if (typeof compiled !== 'string' || !compiled) throw new S6rcError(EXIT.usage, 'update needs the path of a compiled database');
    if (typeof options !== 'object' || options === null) throw new S6rcError(EXIT.usage, 'update options must be an object');
    const conversions = options.conversions ?? [];
    if (!Array.isArray(conversions) || !conversions.every((line) => Array.isArray(line) && line.every((w) => typeof w === 'string'))) {
      throw new S6rcError(EXIT.usage, 'option conversions expects lines of words (string[][])');
    }
    request = {
      compiled: resolve(compiled),
      conversions,
      dryRun: options.dryRun === true,
      timeout: checkCount(options.timeout ?? 0, 'timeout'),
      verbosity: checkCount(options.verbosity ?? 0, 'verbosity'),
      forceEssentials: options.forceEssentials === true,
      block: options.block === true,
      events: true,
    };
    request.argv = options.argv ?? [PROGRAM, 'update', ...(request.dryRun ? ['-n'] : []), ...(request.timeout ? ['-t', String(request.timeout)] : []), request.compiled];
    request.user = options.user ?? invokingUser();
  } catch (err) {
    return refused(toS6rcError(err));
  }
  const call = streaming(control, 'update', request, (result): UpdateResult => result);
  return Object.assign(call.result, { progress$: call.progress$ });
}

/** s6-rc 0.7's reload of services that are up; resolves with exit code 0, 1 or 2, rejects when refused (3 unknown, 1 not up). */
export async function reload(control: ControlClient, services: string[], options: ReloadOptions = {}): Promise<ReloadResult> {
  try {
    const names = checkNames(services, 'services');
    if (names.length === 0) throw new S6rcError(EXIT.usage, 'reload needs at least one service name');
    const timeout = checkCount(options.timeout ?? 0, 'timeout');
    return await control.request('reload', {
      services: names,
      verbosity: 0,
      timeout,
      argv: options.argv ?? [PROGRAM, ...(timeout ? ['-t', String(timeout)] : []), 'reload', ...names],
      user: options.user ?? invokingUser(),
    });
  } catch (err) {
    throw toS6rcError(err);
  }
}
