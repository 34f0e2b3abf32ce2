/**
 * `s6rc daemon`: checks the live directory, loads the compiled model, opens
 * the event log, starts (or recovers) the supervisor, announces readiness,
 * and turns SIGTERM/SIGINT into an orderly shutdown.
 */
import { closeSync, existsSync, writeSync } from 'node:fs';
import { installDatabase } from './databases.js';
import { join, resolve } from 'node:path';
import { EXIT, Fatal, systemFatal } from '../../machines/errors.js';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import { openEventStore } from '../../store/events/open.js';
import { checkLiveDir, livePaths } from './liveDir.js';
import { recordStoreLocation, storeLocation } from './storeLocation.js';
import { fdLimitWarning } from './fdLimit.js';
import { supervisorAlive } from './supervisorAlive.js';
import { Supervisor } from './supervisor.js';
import { defaultServiceFactory, defaultPipelines } from './defaultFactory.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { startReaper } from './reaper.js';
import { crashPoint, crashPointArmed } from './crashPoint.js';

export interface DaemonOptions {
  live: string;
  /** fd to write a newline to once the socket answers (`-N`). */
  readyFd?: number;
  store?: string;
  /** Set by `init`: start a new boot with every service down instead of recovering. */
  newBoot?: boolean;
  /** ms a SIGTERM/SIGINT shutdown may take before whatever still runs is killed (default STOP_TIMEOUT_MS). */
  stopTimeout?: number;
  /** `--metrics`: serve Prometheus metrics on this address (off without it). */
  metrics?: { host: string; port: number };
}

/**
 * How long a shutdown asked for by a signal may take: services get their
 * down-signal, timeout-kill and down scripts, and whatever still runs after
 * this is killed, so a signal always ends the supervisor.
 */
export const STOP_TIMEOUT_MS = 30_000;

export async function runDaemon(options: DaemonOptions): Promise<Supervisor> {
  // Absolute: services run with their service directory as cwd, so a relative live path would not reach them.
  const live = resolve(options.live);
  checkLiveDir(live);
  const other = await supervisorAlive(live);
  if (other !== null) throw new Fatal(EXIT.system, `a supervisor is already running on ${live}${other > 0 ? ` (pid ${other})` : ''}`);
  const paths = livePaths(live);
  let model = loadCompiled(paths.compiled, { integrity: true }); // invalid → Fatal 4 before the event log is touched
  // Bound before the log is opened or anything started: an address in use stops us here (111).
  const metrics = options.metrics ? await startMetricsServer(options.metrics) : null;
  const storePath = storeLocation(live, options.store);
  let store;
  try {
    // An existing log that is not readable is refused (Fatal 4) and left as it is, never replaced.
    store = openEventStore(storePath, crashPointArmed ? { crashPoint } : {});
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw systemFatal(`unable to open the event store ${storePath}`, err);
  }
  recordStoreLocation(live, storePath);
  // An update is committed in the log before `compiled` is replaced: after a crash between the
  // two, the log says which database this boot runs under, and that one is put back.
  const current = options.newBoot ? null : store.currentDatabase();
  if (current && existsSync(current.path) && installDatabase(live, current)) model = loadCompiled(paths.compiled, { integrity: true });
  // A child subreaper: what a service double-forks comes back to us, to be reaped and, at shutdown, stopped.
  const reaper = startReaper({ subreaper: true, warn: (text) => process.stderr.write(`s6rc: warning: ${text}\n`) });
  const longruns = model.atomics.filter((n) => model.services.get(n)?.type === 'longrun').length;
  const fdWarning = fdLimitWarning(longruns);
  if (fdWarning) process.stderr.write(`s6rc: warning: ${fdWarning}\n`);
  const sup = new Supervisor({
    live,
    model,
    store,
    storePath,
    compiled: paths.compiled,
    boot: options.newBoot ? 'new' : 'auto',
    createService: defaultServiceFactory,
    openPipelines: defaultPipelines(join(live, 'pipes')),
    changeEngine: (supervisor) => new Orchestrator(supervisor),
    reaper: reaper ?? undefined,
  });
  if (metrics) {
    // Before start: the boot's first events are counted too.
    const collected = metrics.createMetrics(sup);
    store.onCommit((rows) => collected.observe(rows));
    metrics.server.serve(() => collected.scrape(), collected.contentType);
  }
  handleSignals(sup, options.stopTimeout || STOP_TIMEOUT_MS);
  await sup.start();
  if (options.readyFd !== undefined) {
    try {
      writeSync(options.readyFd, '\n');
      closeSync(options.readyFd);
    } catch (err) {
      process.stderr.write(`s6rc: warning: unable to write readiness to fd ${options.readyFd}: ${(err as Error).message}\n`);
    }
  }
  process.stderr.write(`s6rc: info: supervisor ${process.pid} ready on ${live} (${model.atomics.length} services, boot ${sup.boot})\n`);
  if (metrics) process.stderr.write(`s6rc: info: metrics on ${metrics.server.url}\n`);
  return sup;
}

/**
 * `--metrics`: loads prom-client (only now: without the option the daemon
 * never loads it) and listens; the metrics themselves are made once the
 * supervisor exists.
 */
async function startMetricsServer(address: { host: string; port: number }) {
  let collector;
  try {
    collector = await import('./metrics/collector.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Fatal(EXIT.system, `--metrics needs the package prom-client, which is not installed (${(err as Error).message.split('\n')[0]})`);
  }
  const { listenMetrics } = await import('./metrics/server.js');
  return { createMetrics: collector.createMetrics, server: await listenMetrics(address) };
}

/**
 * SIGTERM/SIGINT: orderly shutdown, bounded by `stopTimeout`. One during a
 * shutdown (a second signal, or one while `s6rc shutdown` or `boot` stops it)
 * escalates: kill what still runs, with its process group, and leave.
 */
function handleSignals(sup: Supervisor, stopTimeout: number): void {
  const onSignal = (sig: NodeJS.Signals) => {
    if (!sup.shuttingDown) {
      process.stderr.write(`s6rc: info: ${sig}: bringing every service down (at most ${stopTimeout} ms)\n`);
      void sup.shutdown(`signal ${sig}`, stopTimeout);
    } else {
      process.stderr.write(`s6rc: warning: ${sig} during the shutdown: killing every service and exiting\n`);
      sup.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {});
}
