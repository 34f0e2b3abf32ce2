/**
 * Every read query of the event log, on one connection: the readers'
 * `EventLogReader`, and the base of the writer (writer.ts), which reads its
 * projections back through the same code. Each filter has an index
 * (`events_by_service`, `events_by_change`, `events_by_time`); `limit` walks
 * an index backwards from the newest, so `--service X --limit 100` reads 100
 * rows however long the log is.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { PayloadOf } from '../../machines/events.js';
import type { ChangeRow, ChangesQuery, DatabaseRow, EventLogReader, EventRow, FoldEventRow, HistoryQuery, StoredActorState } from './types.js';

/** The columns every event query selects, in the shape `toEventRow` expects. */
const EVENT_COLUMNS = 'seq, time, boot, change_id, service, type, from_state, to_state, payload';

interface RawEventRow {
  seq: number;
  time: number;
  boot: number;
  change_id: number | null;
  service: string | null;
  type: string;
  from_state: string | null;
  to_state: string | null;
  payload: string;
}

interface RawChange {
  id: number;
  boot: number;
  argv: string;
  user: string;
  started: number;
  ended: number | null;
  exit_code: number | null;
  done: number;
  failed: number;
  reason?: string | null;
  /** Absent in a log older than the column (read-only readers do not migrate). */
  update_plan?: string | null;
}

/** A payload as stored; a damaged one reads as `{}` rather than hiding the rest of its row. */
function parsePayload(json: string): Record<string, unknown> {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function toEventRow(r: RawEventRow): EventRow {
  return {
    seq: r.seq,
    time: r.time,
    boot: r.boot,
    changeId: r.change_id,
    service: r.service,
    type: r.type,
    from: r.from_state,
    to: r.to_state,
    payload: parsePayload(r.payload),
  };
}

function parseArgv(json: string): string[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    return [json];
  }
}

export class LogReader implements EventLogReader {
  /** Statements prepared once, on first use (a reader runs only the few its command needs). */
  private readonly prepared = new Map<string, Statement>();

  constructor(
    protected readonly db: Database,
    readonly path: string,
  ) {}

  protected statement(sql: string): Statement {
    let s = this.prepared.get(sql);
    if (!s) this.prepared.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  history(q: HistoryQuery = {}): EventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.service !== undefined) (where.push('service = ?'), args.push(q.service));
    if (q.changeId !== undefined) (where.push('change_id = ?'), args.push(q.changeId));
    if (q.type !== undefined) (where.push('type = ?'), args.push(q.type));
    if (q.since !== undefined) (where.push('time >= ?'), args.push(q.since));
    if (q.until !== undefined) (where.push('time <= ?'), args.push(q.until));
    if (q.afterSeq !== undefined) (where.push('seq > ?'), args.push(q.afterSeq));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let sql: string;
    if (q.limit !== undefined) {
      sql = `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events ${filter} ORDER BY seq DESC LIMIT ?) ORDER BY seq`;
      args.push(q.limit);
    } else {
      sql = `SELECT ${EVENT_COLUMNS} FROM events ${filter} ORDER BY seq${q.batch !== undefined ? ' LIMIT ?' : ''}`;
      if (q.batch !== undefined) args.push(q.batch);
    }
    return (this.statement(sql).all(...args) as RawEventRow[]).map(toEventRow);
  }

  changes(q: ChangesQuery = {}): ChangeRow[] {
    const where: string[] = [];
    const args: number[] = [];
    if (q.id !== undefined) (where.push('id = ?'), args.push(q.id));
    if (q.since !== undefined) (where.push('started >= ?'), args.push(q.since));
    if (q.until !== undefined) (where.push('started <= ?'), args.push(q.until));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = q.limit !== undefined ? ` LIMIT ${Math.floor(q.limit)}` : '';
    const rows = this.statement(`SELECT * FROM (SELECT * FROM changes ${filter} ORDER BY id DESC${limit}) ORDER BY id`).all(...args) as RawChange[];
    return rows.map((r) => ({
      id: r.id,
      boot: r.boot,
      argv: parseArgv(r.argv),
      user: r.user,
      started: r.started,
      ended: r.ended,
      exitCode: r.exit_code,
      done: r.done,
      failed: r.failed,
      reason: r.reason ?? null,
      update: r.update_plan ? (parsePayload(r.update_plan) as unknown as PayloadOf<'update.planned'>) : null,
    }));
  }

  lastChangeId(): number | null {
    return (this.statement('SELECT MAX(id) AS id FROM changes').get() as { id: number | null }).id;
  }

  changeUsers(): Map<number, string> {
    const rows = this.statement('SELECT id, user FROM changes').all() as { id: number; user: string }[];
    return new Map(rows.map((r) => [r.id, r.user]));
  }

  lastSeq(): number {
    return (this.statement('SELECT COALESCE(MAX(seq), 0) AS m FROM events').get() as { m: number }).m;
  }

  seqAt(time: number): number {
    // Walks the time index backwards from `time`: one row read, however long the log.
    const row = this.statement('SELECT seq FROM events WHERE time <= ? ORDER BY time DESC, seq DESC LIMIT 1').get(time) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  eventAt(seq: number): { time: number; boot: number } | null {
    return (this.statement('SELECT time, boot FROM events WHERE seq = ?').get(seq) as { time: number; boot: number } | undefined) ?? null;
  }

  *foldEvents(after: number, upTo: number): Generator<FoldEventRow> {
    // One raw row at a time: a million-event fold holds one row in memory, not the log.
    const stmt = this.db.prepare('SELECT seq, time, boot, service, type, payload FROM events WHERE seq > ? AND seq <= ? ORDER BY seq').raw();
    for (const r of stmt.iterate(after, upTo) as Iterable<[number, number, number, string | null, string, string]>) {
      // The fold reads the payloads of service events and of database switches only.
      const folded = r[3] !== null ? r[4] !== 'live.up' && r[4] !== 'live.down' : r[4] === 'update.switched';
      const payload = folded ? parsePayload(r[5]) : {};
      yield { seq: r[0], time: r[1], boot: r[2], service: r[3], type: r[4], payload };
    }
  }

  bootStarts(): Map<number, number> {
    return new Map(this.db.prepare('SELECT id, started FROM boots').raw().all() as [number, number][]);
  }

  actorStates(): Map<string, StoredActorState> {
    const rows = this.statement('SELECT service, state, context, seq FROM actor_state').all() as { service: string; state: string; context: string; seq: number }[];
    return new Map(rows.map((r) => [r.service, { state: r.state, context: JSON.parse(r.context), seq: r.seq }]));
  }

  liveSet(): Set<string> {
    return new Set(this.db.prepare('SELECT service FROM live_state WHERE up = 1').pluck().all() as string[]);
  }

  checkpoint<T = unknown>(seq: number = Number.MAX_SAFE_INTEGER): { seq: number; state: T } | null {
    const row = this.statement('SELECT seq, state FROM checkpoints WHERE seq <= ? ORDER BY seq DESC LIMIT 1').get(seq) as { seq: number; state: string } | undefined;
    if (!row) return null;
    try {
      return { seq: row.seq, state: JSON.parse(row.state) as T };
    } catch {
      return null; // a damaged checkpoint is skipped: replay folds from an older one
    }
  }

  databases(): DatabaseRow[] {
    return this.statement('SELECT id, boot, seq, sha256, path FROM databases ORDER BY id').all() as DatabaseRow[];
  }

  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
  }

  close(): void {
    this.db.close();
  }
}
