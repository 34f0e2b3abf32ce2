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

/** A checkpoint every this many events: bounds what any replay folds (~13 µs an event). */
export const CHECKPOINT_INTERVAL = 50_000;

export const spec: CommandSpec = {
  name: 'replay',
  usage: USAGE.replay,
  summary: 'Folds the event log through the service machines and prints each service\'s state and the live state at a point (default: now).',
  options: [
    { key: 'live', short: 'l', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log file (default: $S6RC_STORE, else the live directory\'s)' },
    { key: 'at', long: 'at', kind: 'string', argName: 'SEQ|TIME', help: 'stop after this sequence number, or at this time (ISO 8601, or relative: 10m, 2h)' },
    { key: 'verify', long: 'verify', kind: 'flag', help: 'compare with the stored projections and the running supervisor; exit 1 on any mismatch' },
    { key: 'json', long: 'json', kind: 'flag', help: 'print one JSON object' },
  ],
  interleaved: true,
};

type Db = import('better-sqlite3').Database;
type FoldState = import('../machines/replay/fold.js').FoldState;
interface Stored extends FoldState {
  definitions: string;
}

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length) throw usageError(spec, `unexpected operand ${operands[0]}`);
  if (values.verify && values.at !== undefined) throw usageError(spec, 'option --verify checks the present state and excludes --at');
  const live = liveDir(values.live);
  const { storePath } = await import('../store/events/storePath.js');
  const { loadModel, liveCompiledPath } = await import('./render/loadModel.js');
  // The log first: on a directory that was never initialised, that is the error to report.
  const file = storePath(live, values.store as string | undefined);
  const db: Db = await openLog(file);
  let model;
  try {
    model = await loadModel(liveCompiledPath(live));
  } catch (err) {
    db.close();
    throw err;
  }
  // Ask the supervisor first, then read the log: the log can only be ahead of what it said.
  const actual = values.verify ? await supervisorStatus(live) : null;
  try {
    const { readSeqAt } = await import('../store/events/readFoldEvents.js');
    const target = await resolveTarget(db, values.at as string | undefined, readSeqAt);
    const result = await fold(db, file, model, target);
    if (values.json) process.stdout.write(JSON.stringify(summary(result.state, result)) + '\n');
    else await printFold(result.state, result, model);
    if (!values.verify) return EXIT.ok;
    const mismatches = await verify(db, result.state, actual);
    for (const m of mismatches) say('warning', `mismatch: ${m}`);
    if (mismatches.length) throw new Fatal(EXIT.failed, `replay does not match: ${mismatches.length} mismatch${mismatches.length > 1 ? 'es' : ''}`);
    say('info', `replay matches the stored projection${actual ? ' and the running supervisor' : ' (no supervisor running to compare with)'}`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

async function resolveTarget(db: Db, at: string | undefined, readSeqAt: (db: Db, time?: number) => number): Promise<number> {
  const newest = readSeqAt(db);
  if (at === undefined) return newest;
  if (/^\d+$/.test(at)) return Math.min(Number(at), newest);
  const { parseTimeArg } = await import('./render/timeArg.js');
  const time = parseTimeArg(at, Date.now());
  if (time === null) throw usageError(spec, `option --at expects a sequence number, an ISO time or a duration such as 10m, got '${at}'`);
  return readSeqAt(db, time);
}

interface FoldResult {
  state: FoldState;
  target: number;
  fromCheckpoint: number | null;
  applied: number;
  read: number;
  written: number;
  time: number | null;
}

async function fold(db: Db, file: string, model: import('../machines/model.js').CompiledModel, target: number): Promise<FoldResult> {
  const { createFolder, definitionsFingerprint } = await import('../machines/replay/fold.js');
  const { readCheckpoint } = await import('../store/events/readCheckpoint.js');
  const { readBootStarts } = await import('../store/events/readBootStarts.js');
  const { readFoldEvents } = await import('../store/events/readFoldEvents.js');
  const definitions = definitionsFingerprint();
  let cp = readCheckpoint<Stored>(db, target);
  if (cp && (cp.state.version !== 1 || cp.state.definitions !== definitions)) cp = null;
  const folder = createFolder(model, readBootStarts(db), cp?.state);
  const start = cp?.seq ?? 0;
  const fresh: { seq: number; state: Stored }[] = [];
  let mark = (Math.floor(start / CHECKPOINT_INTERVAL) + 1) * CHECKPOINT_INTERVAL;
  let read = 0;
  let lastTime: number | null = null;
  for (const e of readFoldEvents(db, start, target)) {
    folder.apply(e);
    read++;
    lastTime = e.time;
    if (e.seq >= mark) {
      fresh.push({ seq: e.seq, state: { ...folder.state(), definitions } });
      mark = (Math.floor(e.seq / CHECKPOINT_INTERVAL) + 1) * CHECKPOINT_INTERVAL;
    }
  }
  const written = fresh.length ? await saveCheckpoints(file, fresh) : 0;
  if (lastTime === null && target > 0) lastTime = (db.prepare('SELECT time FROM events WHERE seq = ?').pluck().get(target) as number | undefined) ?? null;
  return { state: folder.state(), target, fromCheckpoint: cp?.seq ?? null, applied: folder.applied, read, written, time: lastTime };
}

/** Stores the checkpoints this replay folded past; a read-only or busy store just goes without. */
async function saveCheckpoints(file: string, checkpoints: { seq: number; state: unknown }[]): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const { writeCheckpoint } = await import('../store/events/writeCheckpoint.js');
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 1000');
      writeCheckpoint(db, checkpoints);
    } finally {
      db.close();
    }
    return checkpoints.length;
  } catch {
    return 0;
  }
}

function summary(state: FoldState, r: FoldResult) {
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

async function printFold(state: FoldState, r: FoldResult, model: import('../machines/model.js').CompiledModel): Promise<void> {
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

interface ActualStatus {
  name: string;
  state: string;
  normallyUp: boolean;
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
    const res = await client.request('status', {});
    return (res.services as ActualStatus[]) ?? [];
  } finally {
    client.close();
  }
}

/** Every difference between the fold and the projections (and the supervisor), one readable line each. */
async function verify(db: Db, state: FoldState, actual: ActualStatus[] | null): Promise<string[]> {
  const { readActorStates } = await import('../store/events/readActorStates.js');
  const { readLiveSet } = await import('../store/events/readLiveSet.js');
  const { stateOf } = await import('../machines/replay/fold.js');
  const out: string[] = [];
  const bootOf = db.prepare('SELECT boot FROM events WHERE seq = ?').pluck();
  for (const [name, p] of readActorStates({ db })) {
    // A row last written in an older boot describes an actor that no longer exists: this boot's started down.
    if ((bootOf.get(p.seq) as number | undefined) !== state.boot) continue;
    const folded = state.services[name];
    if (!folded) {
      out.push(`service ${name}: replay never saw it in boot ${state.boot}, the projection says ${p.state} (seq ${p.seq})`);
      continue;
    }
    if (folded.value !== p.state) out.push(`service ${name}: replay says ${folded.value}, the projection says ${p.state}`);
    const diff = contextDiff(folded.context, p.context as Record<string, unknown>, state.bootStart);
    if (diff.length) out.push(`service ${name}: context differs in ${diff.join(', ')}`);
  }
  const stored = readLiveSet({ db });
  const folded = new Set(state.live);
  for (const n of stored) if (!folded.has(n)) out.push(`live state: the projection has ${n} up, replay has it down`);
  for (const n of folded) if (!stored.has(n)) out.push(`live state: replay has ${n} up, the projection has it down`);
  for (const s of actual ?? []) {
    const mine = stateOf(state, s.name);
    if (mine !== s.state) out.push(`service ${s.name}: replay says ${mine}, the supervisor says ${s.state}`);
    if (folded.has(s.name) !== s.normallyUp) out.push(`live state: replay has ${s.name} ${folded.has(s.name) ? 'up' : 'down'}, the supervisor has it ${s.normallyUp ? 'up' : 'down'}`);
  }
  return out;
}

/**
 * Context fields that differ. `updownSince` of an actor that never changed
 * since it was created holds its creation time, which the log does not
 * record (replay uses the boot's start), so that one case is not a mismatch.
 */
function contextDiff(a: Record<string, unknown>, b: Record<string, unknown>, bootStart: number): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    if (k === 'updownSince' && a[k] === bootStart) continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k} (replay ${JSON.stringify(a[k])}, projection ${JSON.stringify(b[k])})`);
  }
  return out;
}
