/**
 * Opening the event log: `openEventStore` for its only writer (the
 * supervisor), `openEventLog` for readers (history, replay, plot, graph), and
 * `storeCheckpoints` for replay's checkpoints.
 */
import { openDatabase } from '../compiled/sqlite.js';
import { checkEventLogContents, checkEventLogFile } from './check.js';
import { LogReader } from './reader.js';
import { migrate, MIGRATIONS } from './schema.js';
import type { EventLogReader, EventStore } from './types.js';
import { BUSY_TIMEOUT_MS, SqliteEventStore, WAL_AUTOCHECKPOINT_PAGES, writeCheckpoints, type WriterOptions } from './writer.js';

/**
 * The writer's page cache, in KiB (negative: SQLite's unit for KiB). The log
 * is appended at its end, so a small cache costs little, while SQLite's
 * default fills the supervisor's malloc heap, whose page tables every fork
 * of a run or up script then copies (docs/PERFORMANCE.md).
 */
const WRITER_CACHE_KIB = -256;

/**
 * Opens (creating if needed) the event log at `path` for writing: WAL
 * journal, synchronous=NORMAL (a commit survives the process being killed,
 * and the file is never corrupt), checkpoints when the log goes quiet,
 * schema migrated. An existing file that is not a readable s6rc event log of
 * a known version is refused before anything writes to it (`Fatal` 4, check.ts).
 *
 * @example
 *   const store = openEventStore('/run/s6rc/events.db');
 *   store.append([{ type: 'supervisor.started' }]);
 */
export function openEventStore(path: string, options: WriterOptions = {}): EventStore {
  checkEventLogFile(path);
  const db = openDatabase(path);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  try {
    checkEventLogContents(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  // When the idle checkpoint cannot truncate the WAL (a reader in the way, no quiet moment),
  // SQLite cuts it back to this when it next restarts it, so one outsize transaction does
  // not leave a WAL of its size behind.
  db.pragma(`journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * (db.pragma('page_size', { simple: true }) as number)}`);
  db.pragma(`cache_size = ${WRITER_CACHE_KIB}`);
  migrate(db);
  return new SqliteEventStore(db, path, options);
}

/**
 * Opens an event log for reading only: never creates, migrates or locks it,
 * so readers run beside a change in progress (WAL readers never block the
 * writer, nor the other way round). Throws when the file is absent (SQLite's
 * SQLITE_CANTOPEN) or is not an s6rc event log of a known version (`Fatal` 4
 * from check.ts, or an Error saying so).
 */
export function openEventLog(path: string): EventLogReader {
  // The writer's checks of the file itself (empty, not SQLite, truncated): SQLite reads a truncated log without a word.
  checkEventLogFile(path);
  const db = openDatabase(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < 1 || version > MIGRATIONS.length) throw new Error(`not an s6rc event store of a known version (user_version ${version})`);
    // What the writer checks before it writes (whose file, a schema that agrees with its version): a reader does not guess either.
    checkEventLogContents(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return new LogReader(db, path);
}

/**
 * Stores replay checkpoints in the log at `path` (a second, short-lived
 * writer beside the supervisor); a read-only or busy log just goes without.
 * Returns how many were stored.
 */
export function storeCheckpoints(path: string, checkpoints: readonly { seq: number; state: unknown }[]): number {
  try {
    const db = openDatabase(path, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 1000');
      writeCheckpoints(db, checkpoints);
    } finally {
      db.close();
    }
    return checkpoints.length;
  } catch {
    return 0;
  }
}
