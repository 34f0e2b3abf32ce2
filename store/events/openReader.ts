import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.js';

/**
 * Opens an event log for reading only: never creates, migrates or locks it,
 * so `history`, `replay`, `plot` and `graph` run beside a change in progress
 * (WAL readers never block the writer, nor the other way round).
 * Throws when the file is absent or is not an s6rc event store.
 */
export function openReader(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < 1 || version > MIGRATIONS.length) {
    db.close();
    throw new Error(`not an s6rc event store of a known version (user_version ${version})`);
  }
  return db;
}
