/**
 * `s6rc replay`: rebuilds every actor's state by folding the event log
 * through the same machine definitions (machines/replay/fold.ts), from the
 * newest checkpoint at or before the target, and prints the live state then.
 * `--verify` compares the fold with the stored projections and with the
 * running supervisor, and exits 1 naming each mismatch.
 */
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, Fatal, say } from './fatal.js';
import { liveDir } from './paths.js';
import { openLog } from './openLog.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'replay',
  usage: USAGE.replay,
  summary: 'Folds the event log through the service machines and prints each service\'s state and the live state at a point (default: now).',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log file (default: $S6RC_STORE, else the live directory\'s)' },
    { key: 'at', long: 'at', kind: 'string', argName: 'SEQ|TIME', help: 'stop after this sequence number, or at this time (ISO 8601, or relative: 10m, 2h)' },
    { key: 'verify', long: 'verify', kind: 'flag', help: 'compare with the stored projections and the running supervisor; exit 1 on any mismatch' },
    { key: 'json', long: 'json', kind: 'flag', help: 'print one JSON object' },
  ],
  interleaved: true,
};

type Log = import('../store/events/types.js').EventLogReader;
type FoldState = import('../machines/replay/fold.js').FoldState;
type ReplayResult = import('../store/events/replay.js').ReplayResult;
type ActualStatus = import('../store/events/replay.js').ActualStatus;

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length) throw usageError(spec, `unexpected operand ${operands[0]}`);
  if (values.verify && values.at !== undefined) throw usageError(spec, 'option --verify checks the present state and excludes --at');
  const live = liveDir(values.live);
  const { storePath } = await import('../store/events/storePath.js');
  const { loadModel, liveCompiledPath } = await import('./render/loadModel.js');
  // The log first: on a directory that was never initialised, that is the error to report.
  const file = storePath(live, values.store as string | undefined);
  const log = await openLog(file);
  let model;
  try {
    model = await loadModel(liveCompiledPath(live));
  } catch (err) {
    log.close();
    throw err;
  }
  try {
    const { replayLog, verifyReplay } = await import('../store/events/replay.js');
    const { storeCheckpoints } = await import('../store/events/open.js');
    const fold = (target: number) => replayLog(log, model, target, (checkpoints) => storeCheckpoints(file, checkpoints));
    if (!values.verify) {
      const result = fold(await resolveTarget(log, values.at as string | undefined));
      await print(result, model, values.json === true);
      return EXIT.ok;
    }
    // The fold and the projections are read in one snapshot, so they agree unless the log is wrong.
    // The supervisor is asked first (the log can then only be ahead of what it said); a service that
    // changed in between differs for a moment, so a difference with it alone is checked again.
    let verified;
    for (let attempt = 1; ; attempt++) {
      const actual = await supervisorStatus(live);
      verified = log.snapshot(() => {
        const result = fold(log.lastSeq());
        return { result, stored: verifyReplay(log, result.state, null), all: verifyReplay(log, result.state, actual), actual };
      });
      if (verified.stored.length || !verified.all.length || attempt === VERIFY_ATTEMPTS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await print(verified.result, model, values.json === true);
    for (const m of verified.all) say('warning', `mismatch: ${m}`);
    if (verified.all.length) throw new Fatal(EXIT.failed, `replay does not match: ${verified.all.length} mismatch${verified.all.length > 1 ? 'es' : ''}`);
    say('info', `replay matches the stored projection${verified.actual ? ' and the running supervisor' : ' (no supervisor running to compare with)'}`);
    return EXIT.ok;
  } finally {
    log.close();
  }
}

/** How many times `--verify` asks the supervisor again when only its answer differs (it moved on meanwhile). */
const VERIFY_ATTEMPTS = 5;

async function print(result: ReplayResult, model: Parameters<typeof printFold>[2], json: boolean): Promise<void> {
  if (json) process.stdout.write(JSON.stringify(summary(result.state, result)) + '\n');
  else await printFold(result.state, result, model);
}

async function resolveTarget(log: Log, at: string | undefined): Promise<number> {
  const newest = log.lastSeq();
  if (at === undefined) return newest;
  if (/^\d+$/.test(at)) return Math.min(Number(at), newest);
  const { parseTimeArg } = await import('./render/timeArg.js');
  const time = parseTimeArg(at, Date.now());
  if (time === null) throw usageError(spec, `option --at expects a sequence number, an ISO time or a duration such as 10m, got '${at}'`);
  return log.seqAt(time);
}

function summary(state: FoldState, r: ReplayResult) {
  return {
    seq: r.target,
    time: r.time === null ? null : new Date(r.time).toISOString(),
    boot: state.boot,
    fromCheckpoint: r.fromCheckpoint,
    eventsRead: r.read,
    checkpointsWritten: r.written,
    services: Object.fromEntries(Object.entries(state.services).map(([n, s]) => [n, s.value])),
    live: state.live,
  };
}

async function printFold(state: FoldState, r: ReplayResult, model: import('../machines/model.js').CompiledModel): Promise<void> {
  const { table } = await import('./render/historyFormat.js');
  const { formatTime } = await import('./render/timeArg.js');
  const { stateOf } = await import('../machines/replay/fold.js');
  const live = new Set(state.live);
  const from = r.fromCheckpoint === null ? 'the first event' : `the checkpoint at seq ${r.fromCheckpoint}`;
  process.stdout.write(
    `state at seq ${r.target}${r.time !== null ? ` (${formatTime(r.time)})` : ''}, boot ${state.boot}: folded ${r.read} events from ${from}` +
      `${r.written ? `, stored ${r.written} new checkpoint${r.written > 1 ? 's' : ''}` : ''}\n`,
  );
  const rows = model.atomics.map((name) => [name, model.services.get(name)!.type, stateOf(state, name), live.has(name) ? 'up' : 'down']);
  process.stdout.write(table(['SERVICE', 'TYPE', 'STATE', 'LIVE'], rows));
}

async function supervisorStatus(live: string): Promise<ActualStatus[] | null> {
  const { ControlClient, SupervisorGone } = await import('./client.js');
  let client;
  try {
    client = await ControlClient.connect(live);
  } catch (err) {
    if (err instanceof SupervisorGone) return null;
    throw err;
  }
  try {
    const { services } = await client.request('status', {});
    return services;
  } finally {
    client.close();
  }
}
