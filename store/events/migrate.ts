import type { Database } from 'better-sqlite3';
import { EVENT_STORE_APPLICATION_ID, MIGRATIONS } from './schema.js';

/**
 * Brings the schema to the newest version: applies every migration after
 * `PRAGMA user_version`, each in its own transaction with the version bump.
 * The caller has refused files of another application or a newer s6rc
 * (`checkEventLogContents`).
 */
export function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`application_id = ${EVENT_STORE_APPLICATION_ID}`);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
