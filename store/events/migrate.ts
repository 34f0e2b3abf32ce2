import type { Database } from 'better-sqlite3';
import { EVENT_STORE_APPLICATION_ID, MIGRATIONS } from './schema.js';

/**
 * Brings the schema to the newest version: applies every migration after
 * `PRAGMA user_version`, each in its own transaction with the version bump.
 * Refuses a file that belongs to another application or a newer s6rc.
 */
export function migrate(db: Database): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId !== 0 && appId !== EVENT_STORE_APPLICATION_ID) throw new Error('not an s6rc event store (wrong application_id)');
  if (appId === 0 && version !== 0) throw new Error('not an s6rc event store (unknown user_version without application_id)');
  if (version > MIGRATIONS.length) throw new Error(`event store schema version ${version} is newer than this s6rc (${MIGRATIONS.length})`);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`application_id = ${EVENT_STORE_APPLICATION_ID}`);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
