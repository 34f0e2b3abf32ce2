/**
 * Opens a compiled database read-only and proves it is ours and intact enough
 * to read: the header (ours, this schema version, never written since
 * compilation, not truncated) and, for a full load, the checksum over the
 * graph tables. Every failure is a `Fatal` with exit 4 (invalid
 * database), except a file that cannot be opened at all (111, as s6-rc-db).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { headerProblem } from './fileHeader.js';
import { EXIT, Fatal, systemFatal } from '../../cli/fatal.js';
import { graphChecksum, readGraphRows, type GraphRows } from './graphRows.js';

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

/**
 * Opens `path` read-only after the O(1) header check (`headerProblem`); for
 * commands that read a few rows. The caller closes `db`.
 */
export function openCompiledQuick(path: string): Database.Database {
  let problem: string | null;
  try {
    problem = headerProblem(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CompiledNotFound(path, err);
    if (code === 'EISDIR') throw invalidDatabase(path, 'not a file (an s6-rc compiled directory? recompile it with s6rc compile)');
    throw systemFatal(`unable to open compiled database ${path}`, err);
  }
  if (problem) throw invalidDatabase(path, problem);
  try {
    return openDatabase(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalidDatabase(path, (err as Error).message);
  }
}

/**
 * Opens `path`, checks its header, reads every graph row and verifies the
 * checksum over them (what `loadCompiled` needs anyway). The caller closes `db`.
 */
export function openCompiled(path: string): OpenedCompiled {
  const db = openCompiledQuick(path);
  try {
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
