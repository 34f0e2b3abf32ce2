/**
 * `replay` over a real log: the fold (machines/replay/fold.ts) from the
 * newest usable checkpoint at or before the target, checkpoints for the
 * stretches it folded past, and `--verify`'s comparison with the stored
 * projections and with what the running supervisor reports.
 */
import { createFolder, definitionsFingerprint, stateOf, type Databases, type FoldState } from '../../machines/replay/fold.js';
import type { CompiledModel } from '../../machines/model.js';
import { loadCompiled } from '../compiled/loadCompiled.js';
import type { EventLogReader } from './types.js';

/** A checkpoint every this many events: bounds what any replay folds. */
export const CHECKPOINT_INTERVAL = 50_000;

/** What a stored checkpoint holds: the fold, and the machine definitions it was made with. */
interface StoredFold extends FoldState {
  definitions: string;
}

export interface ReplayResult {
  state: FoldState;
  /** The last event folded. */
  target: number;
  /** Where the fold started (a checkpoint's seq), or null for the first event. */
  fromCheckpoint: number | null;
  /** Events read from the log, and applied to machines. */
  read: number;
  applied: number;
  /** Checkpoints stored for later replays. */
  written: number;
  /** The time of the target event, or null for an empty log. */
  time: number | null;
}

/**
 * Folds the log up to `target` (inclusive). Checkpoints made by other machine
 * definitions are not reused; the checkpoints this fold passes are handed to
 * `store` (which may decline them: a read-only log).
 *
 * @example replayLog(log, model, log.lastSeq(), (cps) => storeCheckpoints(path, cps))
 */
export function replayLog(
  log: EventLogReader,
  model: CompiledModel,
  target: number,
  store: (checkpoints: { seq: number; state: StoredFold }[]) => number,
): ReplayResult {
  const definitions = definitionsFingerprint();
  let cp = log.checkpoint<StoredFold>(target);
  if (cp && (cp.state.version !== 1 || cp.state.definitions !== definitions)) cp = null;
  const folder = createFolder(model, log.bootStarts(), cp?.state, recordedDatabases(log));
  const start = cp?.seq ?? 0;
  const fresh: { seq: number; state: StoredFold }[] = [];
  let mark = (Math.floor(start / CHECKPOINT_INTERVAL) + 1) * CHECKPOINT_INTERVAL;
  let read = 0;
  let time: number | null = null;
  for (const e of log.foldEvents(start, target)) {
    folder.apply(e);
    read++;
    time = e.time;
    if (e.seq >= mark) {
      fresh.push({ seq: e.seq, state: { ...folder.state(), definitions } });
      mark = (Math.floor(e.seq / CHECKPOINT_INTERVAL) + 1) * CHECKPOINT_INTERVAL;
    }
  }
  const written = fresh.length ? store(fresh) : 0;
  if (time === null && target > 0) time = log.eventAt(target)?.time ?? null;
  return { state: folder.state(), target, fromCheckpoint: cp?.seq ?? null, applied: folder.applied, read, written, time };
}

/**
 * The databases the log says each boot ran under, read (once each) from the
 * copies the supervisor keeps; one that cannot be read leaves the fold on the
 * definitions it has.
 */
function recordedDatabases(log: EventLogReader): Databases {
  const rows = log.databases();
  const loaded = new Map<number, CompiledModel | null>();
  return {
    firstOf: (boot) => rows.find((r) => r.boot === boot)?.id ?? null,
    model(id) {
      if (!loaded.has(id)) {
        const row = rows.find((r) => r.id === id);
        let model: CompiledModel | null = null;
        try {
          if (row) model = loadCompiled(row.path);
        } catch {
          model = null;
        }
        loaded.set(id, model);
      }
      return loaded.get(id)!;
    },
  };
}

/** A service as the running supervisor reports it (its `status` answer). */
export interface ActualStatus {
  name: string;
  state: string;
  normallyUp: boolean;
}

/**
 * Every difference between the fold and the stored projections, and the
 * running supervisor when one answered (`actual`), one readable line each.
 */
export function verifyReplay(log: EventLogReader, state: FoldState, actual: ActualStatus[] | null): string[] {
  const out: string[] = [];
  for (const [name, p] of log.actorStates()) {
    // A row last written in an older boot describes an actor that no longer exists: this boot's started down.
    // A row whose event is gone (pruned, dropped) is of this boot: a new boot empties the projection.
    const boot = log.eventAt(p.seq)?.boot;
    if (boot !== undefined && boot !== state.boot) continue;
    const folded = state.services[name];
    if (!folded) {
      out.push(`service ${name}: replay never saw it in boot ${state.boot}, the projection says ${p.state} (seq ${p.seq})`);
      continue;
    }
    if (folded.value !== p.state) out.push(`service ${name}: replay says ${folded.value}, the projection says ${p.state}`);
    const diff = contextDiff(folded.context, p.context as Record<string, unknown>, state.bootStart);
    if (diff.length) out.push(`service ${name}: context differs in ${diff.join(', ')}`);
  }
  const stored = log.liveSet();
  const folded = new Set(state.live);
  for (const n of stored) if (!folded.has(n)) out.push(`live state: the projection has ${n} up, replay has it down`);
  for (const n of folded) if (!stored.has(n)) out.push(`live state: replay has ${n} up, the projection has it down`);
  out.push(...verifyActual(state, actual ?? []));
  return out;
}

/**
 * Every difference between a fold and the running supervisor's answer: the
 * fold must stop at the seq the answer corresponds to (`status`'s `seq`), or
 * a service that changed in between (a crash loop) differs for no fault.
 */
export function verifyActual(state: FoldState, actual: ActualStatus[]): string[] {
  const out: string[] = [];
  const folded = new Set(state.live);
  for (const s of actual) {
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

/** What the log is missing, as `replay --verify` reports it. */
export interface MissingReport {
  /** Gaps the log itself accounts for (`log.dropped`, `log.pruned`): one readable line each. */
  recorded: string[];
  /** Gaps nothing accounts for, or records that do not match their gap: mismatches. */
  unrecorded: string[];
}

/**
 * Every seq missing from the log, set against the records that account for
 * them: a `log.dropped` names a range and how many events of it were dropped
 * (the missing seqs in that range must be exactly that many); a `log.pruned`
 * accounts for everything up to its cut.
 */
export function missingEvents(log: EventLogReader): MissingReport {
  const gaps = log.gaps();
  const recorded: string[] = [];
  const unrecorded: string[] = [];
  const pruned = log.history({ type: 'log.pruned' });
  const cut = pruned.reduce((m, e) => Math.max(m, Number(e.payload.cut) || 0), 0);
  const drops = log.history({ type: 'log.dropped' }).map((e) => ({ seq: e.seq, ...(e.payload as { count: number; firstSeq: number; lastSeq: number; firstTime: number; lastTime: number }) }));
  const missingIn = (first: number, last: number) => gaps.reduce((n, g) => n + Math.max(0, Math.min(g.last, last) - Math.max(g.first, first) + 1), 0);
  if (cut > 0) {
    const last = pruned[pruned.length - 1];
    recorded.push(`events up to seq ${cut} were pruned (history --prune-before; log.pruned at seq ${last.seq})`);
  }
  for (const d of drops) {
    if (d.lastSeq <= cut) continue; // pruned since: nothing of it is in the log any more
    const missing = missingIn(Math.max(d.firstSeq, cut + 1), d.lastSeq);
    if (d.firstSeq > cut && missing !== d.count) {
      unrecorded.push(`log.dropped at seq ${d.seq} says ${d.count} events of seq ${d.firstSeq}-${d.lastSeq} were dropped, but ${missing} are missing there`);
      continue;
    }
    recorded.push(
      `missing: ${d.count} service events in seq ${d.firstSeq}-${d.lastSeq}, dropped while the event store could not write ` +
        `(${new Date(d.firstTime).toISOString()} to ${new Date(d.lastTime).toISOString()}; log.dropped at seq ${d.seq})`,
    );
  }
  for (const g of gaps) {
    // What a prune or a drop record does not cover, seq by seq (the ranges are few).
    let first = Math.max(g.first, cut + 1);
    while (first <= g.last) {
      const cover = drops.find((d) => d.firstSeq <= first && first <= d.lastSeq);
      if (cover) {
        first = cover.lastSeq + 1;
        continue;
      }
      const next = drops.filter((d) => d.firstSeq > first).reduce((m, d) => Math.min(m, d.firstSeq), Infinity);
      const last = Math.min(g.last, next - 1);
      unrecorded.push(`events seq ${first}-${last} (${last - first + 1}) are missing from the log, and no record says why`);
      first = last + 1;
    }
  }
  return { recorded, unrecorded };
}
