/**
 * The compiled database's SQL schema, versioned by SQLite's `user_version`
 * and marked as ours by `application_id`, so a reader refuses any other file.
 *
 * Graph tables hold what the runtime resolves (names, bundles, dependencies,
 * pipelines, commands, longrun settings); `files` holds each longrun's service
 * directory with a sha256 per file. `meta.checksum` is a sha256 over the graph
 * tables (see `graphChecksum`), checked at every open.
 */

/** 's6rc' in ASCII. */
export const APPLICATION_ID = 0x73367263;
/** Bump on any schema change. */
export const SCHEMA_VERSION = 2;
/** What readers accept: version 1 has no `settings` table and no `reload` commands (their defaults). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

export const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Every service, atomics and bundles; ids follow name order.
CREATE TABLE services (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  type         TEXT NOT NULL CHECK (type IN ('oneshot', 'longrun', 'bundle')),
  essential    INTEGER NOT NULL CHECK (essential IN (0, 1)),
  timeout_up   INTEGER NOT NULL DEFAULT 0,
  timeout_down INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE longruns (
  service_id      INTEGER PRIMARY KEY REFERENCES services (id),
  notification_fd INTEGER,
  timeout_kill    INTEGER NOT NULL,
  timeout_finish  INTEGER NOT NULL,
  max_death_tally INTEGER NOT NULL,
  down_signal     TEXT NOT NULL,
  lock_fd         INTEGER,
  notifyoncheck   TEXT,             -- JSON NotifyOnCheck, or NULL
  producer_for    INTEGER REFERENCES services (id),
  pipeline_name   TEXT
);

-- Oneshot up/down/reload: kind 'argv' (body = JSON array of strings) or 'script' (body = the text).
-- No 'down' or 'reload' row: it does nothing and succeeds.
CREATE TABLE commands (
  service_id INTEGER NOT NULL REFERENCES services (id),
  direction  TEXT NOT NULL CHECK (direction IN ('up', 'down', 'reload')),
  kind       TEXT NOT NULL CHECK (kind IN ('argv', 'script')),
  body       TEXT NOT NULL,
  PRIMARY KEY (service_id, direction)
) WITHOUT ROWID;

-- Direct dependencies between atomics, bundles already resolved.
CREATE TABLE dependencies (
  service_id    INTEGER NOT NULL REFERENCES services (id),
  dependency_id INTEGER NOT NULL REFERENCES services (id),
  PRIMARY KEY (service_id, dependency_id)
) WITHOUT ROWID;
-- Reverse dependencies.
CREATE INDEX dependents ON dependencies (dependency_id, service_id);

-- A bundle's direct members as written (may be bundles).
CREATE TABLE contents (
  bundle_id INTEGER NOT NULL REFERENCES services (id),
  member_id INTEGER NOT NULL REFERENCES services (id),
  PRIMARY KEY (bundle_id, member_id)
) WITHOUT ROWID;

-- A bundle's atomics, recursively resolved.
CREATE TABLE bundle_atomics (
  bundle_id INTEGER NOT NULL REFERENCES services (id),
  atomic_id INTEGER NOT NULL REFERENCES services (id),
  PRIMARY KEY (bundle_id, atomic_id)
) WITHOUT ROWID;

CREATE TABLE pipelines (
  id   INTEGER PRIMARY KEY,
  name TEXT
);
CREATE TABLE pipeline_members (
  pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
  position    INTEGER NOT NULL,
  service_id  INTEGER NOT NULL UNIQUE REFERENCES services (id),
  PRIMARY KEY (pipeline_id, position)
) WITHOUT ROWID;

-- Settings of later s6-rc versions and s6rc's own extensions, one row each when not at its
-- default (store/compiled/settings.ts): key = the source file's name, value = JSON.
CREATE TABLE settings (
  service_id INTEGER NOT NULL REFERENCES services (id),
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (service_id, key)
) WITHOUT ROWID;

-- Each longrun's service directory: path relative to it, kind, permission bits, bytes.
CREATE TABLE files (
  service_id INTEGER NOT NULL REFERENCES services (id),
  path       TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('file', 'dir', 'symlink')),
  mode       INTEGER NOT NULL,
  content    BLOB NOT NULL,
  sha256     TEXT NOT NULL,
  PRIMARY KEY (service_id, path)
) WITHOUT ROWID;
`;
