/**
 * Pruning the event log (`history --prune-before TIME`): a second, short-lived
 * writer beside the supervisor. It deletes the oldest events (and the
 * checkpoints and ended changes they leave without a use) and never touches
 * the projections (`actor_state`, `live_state`, open changes), so status,
 * recovery and reconciliation see nothing of it. Replay goes on from a
 * checkpoint written at the cut, before anything is deleted.
 *
 * Every write is a short IMMEDIATE transaction with a busy timeout, so the
 * supervisor's commits wait at most one chunk's delete. The supervisor alone
 * hands out seqs, so the `log.pruned` record is its to append (the caller
 * asks it over the socket; `recordPruneDirectly` is for a log no supervisor
 * writes to).
 */
import { openDatabase } from '../compiled/sqlite.js';
import { definitionsFingerprint } from '../../machines/replay/fold.js';
import type { CompiledModel } from '../../machines/model.js';
import { checkEventLogContents, checkEventLogFile } from './check.js';
import { LogReader } from './reader.js';
import { replayLog } from './replay.js';

/** Events deleted per transaction: each one holds the write lock for a few ms. */
export const PRUNE_CHUNK = 1000;

/** What a prune did, as `log.pruned` records it. */
export interface PruneResult {
  /** ms since the epoch: events before it were asked to go. */
  before: number;
  /** The last seq deleted (and the checkpoint's); 0 when nothing was old enough. */
  cut: number;
  events: number;
  checkpoints: number;
  changes: number;
}

/** The log open for pruning: plan the cut, checkpoint it, delete up to it. */
export class LogPruner extends LogReader {
  /**
   * The newest seq that can go for `before`: every event up to it is older
   * than `before` (a clock that went back does not make a newer event go),
   * and none belongs to a change still open.
   */
  cutFor(before: number): number {
    const firstKept = (this.statement('SELECT MIN(seq) AS s FROM events WHERE time >= ?').get(before) as { s: number | null }).s;
    const openChange = (
      this.statement('SELECT MIN(e.seq) AS s FROM changes c JOIN events e ON e.change_id = c.id WHERE c.ended IS NULL').get() as { s: number | null }
    ).s;
    const bound = Math.min(firstKept ?? this.lastSeq() + 1, openChange ?? Infinity);
    const cut = (this.statement('SELECT MAX(seq) AS s FROM events WHERE seq < ?').get(bound) as { s: number | null }).s;
    return cut ?? 0;
  }

  /** The oldest seq still in the log (lastSeq + 1 for an empty one). */
  firstSeq(): number {
    return (this.statement('SELECT MIN(seq) AS s FROM events').get() as { s: number | null }).s ?? this.lastSeq() + 1;
  }

  /**
   * Folds the log up to `cut` and stores that fold as the checkpoint at
   * `cut` (replay starts there once the events before are gone).
   */
  checkpointAt(model: CompiledModel, cut: number): void {
    const definitions = definitionsFingerprint();
    const { state } = replayLog(this, model, cut, () => 0);
    this.write(() => this.statement('INSERT OR REPLACE INTO checkpoints (seq, state) VALUES (?, ?)').run(cut, JSON.stringify({ ...state, definitions })));
  }

  /**
   * Deletes the events up to `cut`, the checkpoints before it, and the ended
   * changes before `before` that no event names any more; chunk by chunk.
   */
  deleteUpTo(cut: number, before: number): Omit<PruneResult, 'before' | 'cut'> {
    let events = 0;
    for (let from = this.firstSeq(); from <= cut; from += PRUNE_CHUNK) {
      const to = Math.min(cut, from + PRUNE_CHUNK - 1);
      events += this.write(() => this.statement('DELETE FROM events WHERE seq >= ? AND seq <= ?').run(from, to).changes);
    }
    const checkpoints = this.write(() => this.statement('DELETE FROM checkpoints WHERE seq < ?').run(cut).changes);
    const changes = this.write(
      () =>
        this.statement('DELETE FROM changes WHERE ended IS NOT NULL AND ended < ? AND NOT EXISTS (SELECT 1 FROM events WHERE change_id = changes.id)').run(before)
          .changes,
    );
    return { events, checkpoints, changes };
  }

  /**
   * Appends the `log.pruned` record itself: only for a log no supervisor
   * writes to (the seq it takes would collide with the supervisor's next).
   */
  recordPruneDirectly(result: PruneResult): number {
    return this.write(() => {
      const seq = this.lastSeq() + 1;
      const boot = (this.statement('SELECT COALESCE(MAX(id), 0) AS b FROM boots').get() as { b: number }).b;
      const database = (this.statement('SELECT MAX(id) AS d FROM databases WHERE boot = ?').get(boot) as { d: number | null }).d;
      this.statement("INSERT INTO events (seq, time, boot, type, payload, database) VALUES (?, ?, ?, 'log.pruned', ?, ?)").run(
        seq,
        Date.now(),
        boot,
        JSON.stringify(result),
        database,
      );
      return seq;
    });
  }

  /** One short write transaction (BEGIN IMMEDIATE: it waits its turn behind the supervisor's commit, up to the busy timeout). */
  private write<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }
}

/**
 * Opens the log at `path` for pruning; refuses, as the supervisor does, a
 * file that is not an s6rc event log of a known version (exit 4).
 *
 * @example
 *   const p = openPruner('/run/s6rc/events.db');
 *   const cut = p.cutFor(Date.now() - 86_400_000);
 */
export function openPruner(path: string): LogPruner {
  checkEventLogFile(path);
  const db = openDatabase(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    checkEventLogContents(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return new LogPruner(db, path);
}
