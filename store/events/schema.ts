/**
 * The event log's SQL schema (SPEC §4), versioned by `PRAGMA user_version`.
 * Migrations only ever append to this list.
 *
 * `events` is the append-only log; every other table is a projection updated
 * in the same transaction as the append that changes it.
 */
import type { Database } from 'better-sqlite3';

export const EVENT_STORE_APPLICATION_ID = 0x53365243; // 'S6RC'

export const MIGRATIONS: string[] = [
  /* 1 */ `
  CREATE TABLE boots (
    id        INTEGER PRIMARY KEY,       -- each \`init\` (or \`boot\`) starts a new boot
    started   INTEGER NOT NULL,          -- ms since the epoch
    live      TEXT NOT NULL,
    compiled  TEXT NOT NULL
  );
  CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,      -- monotonically increasing
    time       INTEGER NOT NULL,         -- wall clock, ms since the epoch
    boot       INTEGER NOT NULL,
    change_id  INTEGER,                  -- the change that caused it, if any
    service    TEXT,                     -- NULL for supervisor and change-level events
    type       TEXT NOT NULL,            -- machine event type, e.g. 'run.spawned', 'change.started'
    from_state TEXT,
    to_state   TEXT,
    payload    TEXT NOT NULL DEFAULT '{}' -- JSON: pid, code, signal, argv, error, user...
  );
  CREATE INDEX events_by_service ON events(service, seq);
  CREATE INDEX events_by_change ON events(change_id, seq);
  CREATE INDEX events_by_time ON events(time);

  -- projection: each service actor's current state and machine snapshot
  CREATE TABLE actor_state (
    service  TEXT PRIMARY KEY,
    state    TEXT NOT NULL,
    context  TEXT NOT NULL DEFAULT '{}', -- JSON of the machine context
    seq      INTEGER NOT NULL
  );
  -- projection: the live state, what s6rc considers up (changes only when a transition succeeds)
  CREATE TABLE live_state (
    service  TEXT PRIMARY KEY,
    up       INTEGER NOT NULL,
    seq      INTEGER NOT NULL
  );
  -- projection: one row per \`change\` invocation, for \`history --changes\`
  CREATE TABLE changes (
    id         INTEGER PRIMARY KEY,
    boot       INTEGER NOT NULL,
    argv       TEXT NOT NULL,            -- JSON array
    user       TEXT NOT NULL,
    started    INTEGER NOT NULL,
    ended      INTEGER,
    exit_code  INTEGER,
    done       INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0
  );
  -- persisted replay snapshots: the folded state of every actor after event \`seq\`
  CREATE TABLE checkpoints (
    seq    INTEGER PRIMARY KEY,
    state  TEXT NOT NULL                 -- JSON
  );
  `,
  /* 2 */ `
  -- why a change ended without an exit code (e.g. 'supervisor died': a recovering supervisor closed it)
  ALTER TABLE changes ADD COLUMN reason TEXT;
  `,
  /* 3 */ `
  -- the compiled databases a boot ran under: its first, then each one \`update\` switched to
  CREATE TABLE databases (
    id       INTEGER PRIMARY KEY,
    boot     INTEGER NOT NULL,
    seq      INTEGER NOT NULL,           -- the last event before it took over (0: the boot's first)
    sha256   TEXT NOT NULL,              -- of the compiled database file
    path     TEXT NOT NULL               -- the supervisor's copy of it, kept for replay
  );
  -- the database an event was produced under (NULL: recorded before s6rc kept track: the boot's)
  ALTER TABLE events ADD COLUMN database INTEGER;
  `,
  /* 4 */ `
  -- an update's plan (its \`update.planned\` payload), for \`history --changes\` without a scan of the events
  ALTER TABLE changes ADD COLUMN update_plan TEXT;
  UPDATE changes SET update_plan = (SELECT payload FROM events WHERE change_id = changes.id AND type = 'update.planned' ORDER BY seq LIMIT 1)
    WHERE argv LIKE '%"update"%';
  `,
];

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
