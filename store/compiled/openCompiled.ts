/**
 * Opens a compiled database read-only and proves it is ours and intact enough
 * to read: right application_id and schema version, readable graph tables,
 * checksum matching. Every failure is a `Fatal` with exit 4 (invalid
 * database), except a file that cannot be opened at all (111, as s6-rc-db).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { fs } from './nodeFs.js';
import { EXIT, Fatal, systemFatal } from '../../cli/fatal.js';
import { graphChecksum, readGraphRows, type GraphRows } from './graphRows.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';

/** `path` does not exist (exit 111, as s6-rc-db's failed open); callers may say more about where they looked. */
export class CompiledNotFound extends Fatal {
  constructor(path: string, err: unknown) {
    const reason = systemFatal(`unable to open compiled database ${path}`, err);
    super(reason.exitCode, reason.message);
  }
}

export interface OpenedCompiled {
  db: Database.Database;
  rows: GraphRows;
}

/** The exit-4 error for a database that is not a valid s6rc compiled database. */
export function invalidDatabase(path: string, why: string): Fatal {
  return new Fatal(EXIT.invalidDatabase, `invalid compiled database ${path}: ${why}`);
}

/** Opens `path`, verifies it and reads its graph rows; the caller closes `db`. */
export function openCompiled(path: string): OpenedCompiled {
  let st;
  try {
    st = fs.statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CompiledNotFound(path, err);
    throw systemFatal(`unable to open compiled database ${path}`, err);
  }
  if (!st.isFile()) throw invalidDatabase(path, 'not a file (an s6-rc compiled directory? recompile it with s6rc compile)');
  let db: Database.Database;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalidDatabase(path, (err as Error).message);
  }
  try {
    const appId = db.pragma('application_id', { simple: true });
    if (appId !== APPLICATION_ID) throw invalidDatabase(path, 'not an s6rc compiled database');
    const version = db.pragma('user_version', { simple: true });
    if (version !== SCHEMA_VERSION) throw invalidDatabase(path, `schema version ${version}, this s6rc reads version ${SCHEMA_VERSION} (recompile the sources)`);
    const rows = readGraphRows(db);
    const stored = db.prepare("SELECT value FROM meta WHERE key = 'checksum'").pluck().get();
    if (stored === undefined) throw invalidDatabase(path, 'no checksum recorded');
    if (stored !== graphChecksum(rows)) throw invalidDatabase(path, 'checksum mismatch: the database was modified after compilation');
    return { db, rows };
  } catch (err) {
    db.close();
    if (err instanceof Fatal) throw err;
    throw invalidDatabase(path, (err as Error).message);
  }
}
