/**
 * Refusing an event log that exists but cannot be ours or cannot be read,
 * before anything writes to it: SQLite would happily turn an empty file into
 * a new, empty log, and migrate another application's database. A log holds
 * the only record of what happened, so a bad one is reported (exit 4) and left
 * exactly as it is; the user moves it aside to start a new one.
 *
 * The checks read what opening the writer reads anyway (the header, the
 * schema, the end of each table, the projections), not every page: a full
 * `PRAGMA quick_check` costs time in proportion to the log, at every start.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { openDatabase, type Database } from '../compiled/sqlite.js';
import { Fatal } from '../../machines/errors.js';
import { invalidEventLog } from './invalidEventLog.js';
import { APPLICATION_ID as COMPILED_APPLICATION_ID } from '../compiled/schema.js';
import { EVENT_STORE_APPLICATION_ID, MIGRATIONS } from './schema.js';

const MAGIC = 'SQLite format 3\0';
const TABLES = ['boots', 'events', 'actor_state', 'live_state', 'changes', 'checkpoints'];

export { invalidEventLog };

/**
 * Throws `invalidEventLog` when `path` exists and is not a readable s6rc event
 * log of a version this s6rc knows; returns false when it does not exist (it
 * will be created), true when it is fine. Read-only: changes nothing.
 *
 * @example
 *   checkEventLog('/run/s6rc/events.db'); // before `init` creates anything
 */
export function checkEventLog(path: string): boolean {
  if (!checkEventLogFile(path)) return false;
  let db: Database.Database;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
  } catch (err) {
    throw asInvalid(path, err);
  }
  try {
    checkEventLogContents(db, path);
  } finally {
    db.close();
  }
  return true;
}

/**
 * The checks that need no SQLite: an existing file must not be empty, must
 * start with SQLite's magic, and, with no WAL to complete it, must be as long
 * as its header says. Returns false when the file does not exist.
 */
export function checkEventLogFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const header = Buffer.alloc(100);
  let size: number;
  let read: number;
  try {
    size = fstatSync(fd).size;
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (size === 0) throw invalidEventLog(path, 'empty file (0 bytes)');
  if (read < 100 || header.toString('latin1', 0, 16) !== MAGIC) throw invalidEventLog(path, 'not an SQLite database');
  // The header's page count is valid when its "version-valid-for" matches the change counter.
  // Pages not yet checkpointed live in the WAL, so only a log without one must reach that size.
  if (header.readUInt32BE(92) === header.readUInt32BE(24) && walSize(path) === 0) {
    const raw = header.readUInt16BE(16);
    const expected = header.readUInt32BE(28) * (raw === 1 ? 65536 : raw);
    if (size < expected) throw invalidEventLog(path, `truncated (${size} bytes, its header says ${expected})`);
  }
  return true;
}

/**
 * The checks through an open connection: whose database it is, its schema
 * version, and reading what the writer reads at start-up. A file still
 * without tables (created, never migrated) is a new log.
 */
export function checkEventLogContents(db: Database.Database, path: string): void {
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
    if (appId === COMPILED_APPLICATION_ID) throw invalidEventLog(path, 'not an event log but an s6rc compiled database');
    if (appId !== EVENT_STORE_APPLICATION_ID && appId !== 0) {
      throw invalidEventLog(path, `not an s6rc event log (application_id 0x${(appId >>> 0).toString(16)})`);
    }
    if (appId === 0) {
      if (version === 0 && tables.size === 0) return;
      throw invalidEventLog(path, 'not an s6rc event log (an SQLite database of another application)');
    }
    if (version > MIGRATIONS.length) {
      throw invalidEventLog(path, `written by a newer s6rc (schema version ${version}; this one reads up to ${MIGRATIONS.length})`);
    }
    const missing = TABLES.filter((t) => !tables.has(t));
    if (version < 1 || missing.length) throw invalidEventLog(path, `corrupted (schema version ${version}, tables missing: ${missing.join(' ') || 'none'})`);
    const mismatch = schemaMismatch(db, version, tables);
    if (mismatch) throw invalidEventLog(path, `corrupted (schema version ${version}, but ${mismatch})`);
    // The end of each append-only table (the writer's counters) and the projections a recovery reads.
    for (const t of ['events', 'checkpoints']) db.prepare(`SELECT MAX(seq) FROM ${t}`).get();
    for (const t of ['boots', 'changes']) db.prepare(`SELECT MAX(id) FROM ${t}`).get();
    for (const t of ['actor_state', 'live_state']) db.prepare(`SELECT COUNT(*), MAX(length(service)) FROM ${t}`).get();
  } catch (err) {
    throw asInvalid(path, err);
  }
}

/** The tables (`name`) and columns (`table.column`) each migration adds, read from its SQL. */
const ADDED_BY: string[][] = MIGRATIONS.map((sql) => [
  ...[...sql.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]),
  ...[...sql.matchAll(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)].map((m) => `${m[1]}.${m[2]}`),
]);

/**
 * Whether the schema is the one its `user_version` says: what the migrations
 * up to it add is there, what later ones add is not, and every table has the
 * columns those migrations give it, by name and in order (compared with the
 * migrations run on an empty database in memory). A version number that lies
 * (a bit flip, a hand edit) would otherwise make the writer re-run a
 * migration on a log that has it, or skip one it lacks; a column name
 * damaged in the schema would fail the first query that reads it. Null when
 * it agrees.
 */
function schemaMismatch(db: Database.Database, version: number, tables: Set<string>): string | null {
  const columnsOf = (d: Database.Database, table: string): string[] => (d.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  const columns = new Map<string, Set<string>>();
  const has = (object: string): boolean => {
    const [table, column] = object.split('.');
    if (column === undefined) return tables.has(table);
    if (!tables.has(table)) return false;
    if (!columns.has(table)) columns.set(table, new Set(columnsOf(db, table)));
    return columns.get(table)!.has(column);
  };
  for (let v = 0; v < ADDED_BY.length; v++) {
    for (const object of ADDED_BY[v]) {
      if (v < version && !has(object)) return `${object} (of version ${v + 1}) is missing`;
      if (v >= version && has(object)) return `${object} (of version ${v + 1}) is there`;
    }
  }
  const reference = openDatabase(':memory:');
  try {
    for (let v = 0; v < version; v++) reference.exec(MIGRATIONS[v]);
    const expected = reference.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    for (const table of expected) {
      const want = columnsOf(reference, table).join(', ');
      const got = columnsOf(db, table).join(', ');
      if (got !== want) return `table ${table} has the columns (${got}), not (${want})`;
    }
  } finally {
    reference.close();
  }
  return null;
}

/** SQLite's verdicts on a damaged or foreign file become exit 4; anything else (busy, I/O, permissions) stays a system error. */
function asInvalid(path: string, err: unknown): unknown {
  if (err instanceof Fatal) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return invalidEventLog(path, 'not an SQLite database');
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) return invalidEventLog(path, `corrupted (${code}: ${(err as Error).message})`);
  return err;
}

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
