import Database from 'better-sqlite3';
import { checkEventLogContents, checkEventLogFile } from './checkEventLog.js';
import { BUSY_TIMEOUT_MS, WAL_AUTOCHECKPOINT_PAGES } from './idleCheckpoint.js';
import { migrate } from './migrate.js';
import { prepareStatements } from './prepareStatements.js';
import type { EventStore } from './types.js';

export interface OpenOptions {
  /** Open an existing store without creating it (readers such as `history`). */
  mustExist?: boolean;
  readonly?: boolean;
}

/**
 * The writer's page cache, in KiB (negative: SQLite's unit for KiB). The
 * log is appended at its end, so a small cache costs little; SQLite's
 * default (2 MiB) filled the supervisor's malloc heap to ~11 MiB, and every
 * fork of a run or up script copies the page tables of that heap: with
 * 256 KiB the supervisor spent ~0.15 ms less CPU per transition (chain of
 * 1000 oneshots, supervisor CPU 0.93 → 0.78 ms per transition).
 */
const WRITER_CACHE_KIB = -256;

/**
 * Opens (creating if needed) the event store at `path`: WAL journal,
 * synchronous=NORMAL (durable at checkpoints, never corrupt), checkpoints
 * every WAL_AUTOCHECKPOINT_PAGES pages or when the log goes quiet, schema migrated.
 * An existing file that is not a readable s6rc event log of a known version
 * is refused before anything is written to it (`Fatal` 4, see checkEventLog.ts).
 *
 * @example
 *   const store = openEventStore('/run/s6rc/events.db');
 *   appendEvents(store, [{ type: 'supervisor.started' }]);
 */
export function openEventStore(path: string, options: OpenOptions = {}): EventStore {
  checkEventLogFile(path);
  const db = new Database(path, { fileMustExist: options.mustExist ?? false, readonly: options.readonly ?? false });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  try {
    checkEventLogContents(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    // When the idle checkpoint cannot truncate the WAL (a reader in the way, no quiet moment),
    // SQLite cuts it back to this when it next restarts it, so one outsize transaction does
    // not leave a WAL of its size behind.
    db.pragma(`journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * (db.pragma('page_size', { simple: true }) as number)}`);
    db.pragma(`cache_size = ${WRITER_CACHE_KIB}`);
    migrate(db);
  }
  const maxSeq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM events').get() as { m: number }).m;
  const maxChange = (db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM changes').get() as { m: number }).m;
  const lastBoot = (db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM boots').get() as { m: number }).m;
  return {
    path,
    db,
    boot: lastBoot,
    queue: [],
    nextSeq: maxSeq + 1,
    nextChangeId: maxChange + 1,
    scheduled: false,
    lastAutoCommit: -Infinity,
    checkpointTimer: null,
    checkpointRetries: 0,
    retryTimer: null,
    failures: 0,
    afterCommit: [],
    urgent: false,
    onCommit: null,
    report: (line) => process.stderr.write(line + '\n'),
    closed: false,
    statements: options.readonly ? (null as never) : prepareStatements(db),
  };
}
