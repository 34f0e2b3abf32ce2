/**
 * `s6rc boot`: the everyday entry point for containers and development
 * stacks. Compiles (if given a source directory), initialises the live
 * directory, runs the supervisor as a child it owns, brings the selection up
 * and shows progress; SIGHUP recompiles the source and updates the
 * supervisor to it (as `s6rc update`), then brings the selection up again;
 * SIGINT/SIGTERM bring everything down (reverse dependency order, by the
 * supervisor's shutdown) and exit 0, or the change's failure code; with
 * `--exit-on-failure`, so does a service of the selection that fails, and
 * boot exits 1.
 *
 * As a container's PID 1: its signal handlers are installed first (PID 1
 * ignores a signal it has no handler for), it reaps every orphan of the
 * container that is not the supervisor's (actors/supervisor/reaper.ts; the
 * supervisor, a child subreaper, reaps those of the services), and it stops
 * whatever is still re-parented to it before it exits.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keepRunningOnClosedPipe } from './closedPipe.js';
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, Fatal, say, systemFatal } from './fatal.js';
import { invocationArgv, invokingUser } from './invocation.js';
import { liveDir } from './paths.js';
import type { ProgressOf } from '../protocol/types.js';
import type { ControlClient } from './client.js';
import type { LiveView } from './render/bootView.js';
import { METRICS_OPTION, metricsArgument } from './metricsOption.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'boot',
  usage: USAGE.boot,
  summary:
    'Compiles (if given a source directory), initialises the live directory, supervises in the foreground and brings the selection up (default: the bundle `default`, else everything). SIGHUP recompiles the source and switches to it as s6rc update does (only what changed restarts; a compile error changes nothing), then brings the selection up again. SIGINT/SIGTERM bring everything down, then it exits; a second signal kills what still runs. Fit to be a container\'s PID 1: it reaps every orphan, and neither its exit nor a shutdown leaves behind a process that a service started.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log file (default: $S6RC_STORE, else <live>/events.db); outside live, history outlives reboots' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'give up on bringing the selection up after this many ms (exit 2 at shutdown)' },
    {
      key: 'exitOnFailure',
      long: 'exit-on-failure',
      kind: 'flag',
      help: 'when a service of the selection fails permanently (its start failed), bring everything down and exit 1, so a container restarts rather than runs half-broken',
    },
    METRICS_OPTION,
  ],
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  const [source, ...selection] = operands;
  if (source === undefined) throw usageError(spec, 'missing SOURCE-OR-COMPILED');
  const metrics = metricsArgument(spec, values);
  // First: as a container's PID 1, a SIGTERM that finds no handler is dropped.
  const stop = new StopRequests();
  // `s6rc boot src | head` goes on supervising; Ctrl-C still brings everything down.
  keepRunningOnClosedPipe();
  // PID 1 inherits every orphan of the container; elsewhere, as a subreaper, those below it whose supervisor died.
  const { startReaper } = await import('../actors/supervisor/reaper.js');
  const reaper = startReaper({ subreaper: true, warn: (text) => (process.pid === 1 ? say('warning', text) : undefined) });
  const live = resolve(liveDir(values.live));
  const cleanup: (() => void)[] = [];
  try {
    const compile = () => compiledFrom(resolve(source), cleanup);
    const compiled = await compile();
    const { loadCompiled } = await import('../store/compiled/loadCompiled.js');
    const model = loadCompiled(compiled, { integrity: true });
    const names = selection.length ? selection : model.services.has('default') ? ['default'] : [...model.atomics];
    for (const n of names) if (!model.services.has(n)) throw new Fatal(EXIT.unknownName, `unknown service name: ${n}`);
    if (stop.reason) return EXIT.ok; // stopped before anything started
    const { prepareLiveDir, launchSupervisor } = await import('../actors/supervisor/launch.js');
    await prepareLiveDir(live, compiled, values.store as string | undefined);
    const daemon = await launchSupervisor(live, { store: values.store as string | undefined, metrics });
    cleanup.push(() => {
      // Whatever happened, the supervisor we started does not outlive us.
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGTERM');
    });
    const options = { timeout: values.timeout as number | undefined, exitOnFailure: values.exitOnFailure === true };
    return await supervise(live, daemon, names, model.atomics, options, stop, compile);
  } finally {
    for (const c of cleanup.reverse()) c();
    stop.dispose();
    // What is still re-parented to us (the supervisor stopped what it had) does not outlive us either.
    const orphans = (await reaper?.stopStrays(ORPHAN_GRACE_MS)) ?? [];
    if (orphans.length) say('info', `stopped ${orphans.length} orphaned process${orphans.length > 1 ? 'es' : ''} (pid ${orphans.join(' ')})`);
    reaper?.stop();
  }
}

/** A source directory is compiled into a temporary database; a compiled database is used as it is. */
async function compiledFrom(path: string, cleanup: (() => void)[]): Promise<string> {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw systemFatal(`unable to read ${path}`, err);
  }
  if (!st.isDirectory()) return path;
  const { compileSources } = await import('../store/source/compileSources.js');
  const { writeCompiled } = await import('../store/compiled/writeCompiled.js');
  const model = compileSources([path], { verbosity: 1, log: (level: 'info' | 'warning', m: string) => say(level, m, 's6rc compile') });
  const dir = mkdtempSync(join(tmpdir(), 's6rc-boot-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'compiled');
  writeCompiled(model, out, { sources: [path], program: 's6rc compile' });
  return out;
}

/** A signal this soon after the one that started the shutdown is the same request delivered twice, not a second Ctrl-C. */
const REPEATED_SIGNAL_MS = 500;
/** At boot's exit, how long orphans still re-parented to it get between SIGTERM and SIGKILL. */
const ORPHAN_GRACE_MS = 1000;

/**
 * Why boot brings everything down: SIGINT/SIGTERM (caught from boot's first
 * moment), or a permanent failure (`--exit-on-failure`). A signal once the
 * shutdown started escalates through `escalate`.
 */
class StopRequests {
  reason: NodeJS.Signals | 'failure' | null = null;
  /** Set once there is something to escalate to: a second signal during the shutdown. */
  escalate: ((sig: NodeJS.Signals) => void) | null = null;
  private at = 0;
  private wakeUp: () => void = () => {};
  /** Resolves when a stop is requested. */
  readonly requested = new Promise<void>((r) => (this.wakeUp = r));
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (!this.reason) return this.request(sig);
    // Under `npm start` one Ctrl-C arrives twice: the terminal signals its whole foreground
    // process group, npm included, and npm forwards the signal to its child, boot.
    if (performance.now() - this.at < REPEATED_SIGNAL_MS) return;
    this.escalate?.(sig);
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  request(reason: NodeJS.Signals | 'failure'): void {
    if (this.reason) return;
    this.reason = reason;
    this.at = performance.now();
    this.wakeUp();
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

interface SuperviseOptions {
  /** `-t`: ms the bring-up may take. */
  timeout: number | undefined;
  /** `--exit-on-failure`: a permanent failure in the selection brings everything down; boot exits 1. */
  exitOnFailure: boolean;
}

/** Brings the selection up, shows progress, waits for a stop, then shuts the supervisor down; SIGHUP: `compile` again and update. */
async function supervise(
  live: string,
  daemon: ChildProcess,
  names: string[],
  atomics: string[],
  options: SuperviseOptions,
  stop: StopRequests,
  compile: () => Promise<string>,
): Promise<number> {
  const { ControlClient } = await import('./client.js');
  const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;
  let view: LiveView | null = null;
  if (tty) {
    const { LiveView } = await import('./render/bootView.js');
    view = new LiveView(process.stdout, atomics);
  }
  const note = (text: string) => (view ? view.message(text) : process.stderr.write(text.endsWith('\n') ? text : text + '\n'));

  // A signal during its shutdown makes the supervisor kill every service's process group (and what they left) and exit.
  stop.escalate = (sig) => {
    note(`s6rc: warning: second ${sig}: killing every service`);
    daemon.kill('SIGTERM');
  };
  let daemonGone = false;
  const gone = new Promise<void>((r) => {
    const exited = () => {
      daemonGone = true;
      r();
    };
    if (daemon.exitCode !== null || daemon.signalCode !== null) exited();
    else daemon.once('exit', exited);
  });
  // Waits for `p`, or less: a stop request, or the supervisor's death.
  const waitFor = (p: Promise<unknown>) => Promise.race([p, stop.requested, gone]);

  // Every service's status, for the live view; again after a reload switched databases.
  let watcher = await ControlClient.connect(live);
  const watch = () => {
    if (!view) return;
    const v = view;
    void watcher.request('subscribe', { services: [] }, (m) => v.update(m.status)).catch(() => {});
  };
  watch();
  // --exit-on-failure: the statuses of the selection and what it depends on; again after a reload.
  let closeFailures = () => {};
  const watchFailures = async () => {
    if (!options.exitOnFailure) return;
    closeFailures();
    const client = await ControlClient.connect(live);
    closeFailures = () => client.close();
    const closure = new Set((await client.request('listall', { names })).services);
    void client
      .request('subscribe', { services: [...closure] }, ({ status }) => {
        if (status.state !== 'failed' || stop.reason) return;
        note(`s6rc: warning: service ${status.name} failed${status.error ? `: ${status.error}` : ''}; --exit-on-failure: bringing every service down`);
        stop.request('failure');
      })
      .catch(() => {});
  };
  await watchFailures();
  note(`s6rc: info: supervisor ${daemon.pid} running on ${live}; bringing up ${names.join(' ')}`);
  const changeClient = await ControlClient.connect(live);
  // A change's progress, or an update's: its text only (boot asks for no data).
  const narrate = (m: ProgressOf<'change' | 'update'>) => {
    if ('out' in m || 'err' in m) for (const text of [m.out, m.err]) if (text) note(text.replace(/\n$/, ''));
  };
  const bringUp = () =>
    changeClient.request(
      'change',
      { names, direction: 'up', all: false, prune: false, verbosity: 2, dryRun: null, timeout: options.timeout ?? 0, block: true, argv: invocationArgv(), user: invokingUser() },
      narrate,
    );
  let changeExit: number = EXIT.ok;
  const change = bringUp()
    .then((r) => (changeExit = r.exitCode))
    .catch((err: Error) => {
      changeExit = err instanceof Fatal ? err.exitCode : EXIT.failed;
      if (!stop.reason) note(`s6rc: warning: ${err.message}`);
    });

  // SIGHUP: recompile, update, bring the selection up again; one reload at a time, in order.
  let reloads: Promise<void> = Promise.resolve();
  const reload = async () => {
    if (stop.reason || daemonGone) return;
    note('s6rc: info: SIGHUP: recompiling and updating');
    let compiled: string;
    try {
      compiled = await compile();
    } catch (err) {
      note(`s6rc: warning: ${(err as Error).message}; nothing changed`);
      return;
    }
    const { loadCompiled } = await import('../store/compiled/loadCompiled.js');
    const next = loadCompiled(compiled);
    const missing = names.find((n) => !next.services.has(n));
    if (missing) return void note(`s6rc: warning: the new database has no service ${missing}; nothing changed`);
    const updated = await changeClient.request(
      'update',
      { compiled, conversions: [], dryRun: false, timeout: 0, verbosity: 2, forceEssentials: false, block: true, argv: [...invocationArgv(), '(SIGHUP)'], user: invokingUser() },
      narrate,
    );
    const code = updated.exitCode;
    if (code !== EXIT.ok && code !== EXIT.failed && code !== EXIT.timedOut) return void note(`s6rc: warning: update exited ${code}; still running the previous database`);
    if (view) {
      view.reset(next.atomics);
      watcher.close();
      watcher = await ControlClient.connect(live);
      watch();
    }
    await watchFailures();
    const up = await bringUp();
    note(`s6rc: info: reloaded: update exited ${code}, bringing ${names.join(' ')} up exited ${up.exitCode}`);
  };
  const onHangup = () => {
    reloads = reloads.then(reload).catch((err: Error) => void note(`s6rc: warning: reload failed: ${err.message}`));
  };
  process.on('SIGHUP', onHangup);
  await waitFor(change);
  // The change's result says a transition failed even if its status was missed.
  if (options.exitOnFailure && changeExit === EXIT.failed && !stop.reason && !daemonGone) {
    note(`s6rc: warning: bringing ${names.join(' ')} up failed; --exit-on-failure: bringing every service down`);
    stop.request('failure');
  }
  if (!stop.reason && !daemonGone) {
    const summary =
      changeExit === 0
        ? `s6rc: info: ${names.join(' ')} up; Ctrl-C (SIGINT) or SIGTERM brings everything down`
        : `s6rc: warning: bringing ${names.join(' ')} up failed (exit ${changeExit}); still supervising what runs. Ctrl-C brings everything down`;
    note(summary);
    view?.setFooter('');
    await waitFor(new Promise<void>(() => {}));
  }
  changeClient.close();
  closeFailures();
  if (daemonGone) {
    view?.stop();
    watcher.close();
    throw new Fatal(EXIT.system, `the supervisor exited unexpectedly (see ${join(live, 'supervisor.log')})`);
  }
  if (stop.reason !== 'failure') note(`s6rc: info: ${stop.reason}: bringing every service down`);
  try {
    const stopper = await ControlClient.connect(live);
    // The orchestrated shutdown narrates itself (`text`); bare events are shown only without it.
    let narrated = false;
    await stopper
      .request('shutdown', { user: invokingUser() }, (m) => {
        if ('text' in m) {
          if (m.text) {
            narrated = true;
            note(m.text.replace(/\n$/, ''));
          }
        } else if (!narrated && !view) note(`s6rc: info: service ${m.service}: ${m.event}`);
      })
      .catch(() => {});
    stopper.close();
  } catch {
    // already gone: nothing left to stop
  }
  await gone;
  view?.stop();
  watcher.close();
  process.off('SIGHUP', onHangup);
  note(`s6rc: info: supervisor stopped; history: s6rc history -l ${live}`);
  if (stop.reason === 'failure') return EXIT.failed;
  // Killed rather than brought down (a second signal): not a clean exit either.
  if (changeExit === EXIT.ok && daemon.exitCode !== 0) return EXIT.failed;
  return changeExit;
}

export type { ControlClient };
