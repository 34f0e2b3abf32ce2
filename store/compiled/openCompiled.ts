/**
 * Opens a compiled database for a full load: the header check of
 * openCompiledQuick, then every graph row read and verified against the
 * checksum recorded at compilation.
 */
import type Database from 'better-sqlite3';
import { Fatal } from '../../machines/errors.js';
import { graphChecksum, readGraphRows, type GraphRows } from './graphRows.js';
import { invalidDatabase, openCompiledQuick } from './openCompiledQuick.js';

export { CompiledNotFound, invalidDatabase, openCompiledQuick } from './openCompiledQuick.js';

export interface OpenedCompiled {
  db: Database.Database;
  rows: GraphRows;
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
