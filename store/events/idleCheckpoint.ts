import type { EventStore } from './types.js';

/**
 * WAL pages between SQLite's own checkpoints (its default is 1000). A
 * checkpoint syncs the WAL and the database file; run every 1000 pages it
 * lands in the middle of a busy change (a chain of small commits reaches it
 * every ~150 commits) and blocks the supervisor on the disk for each one. The
 * bound still keeps the WAL under ~16 MB while busy.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** Quiet time after the last commit before the store checkpoints on its own. */
export const IDLE_CHECKPOINT_MS = 200;

/** The writer's busy timeout, set back after each idle checkpoint (which runs without one). */
export const BUSY_TIMEOUT_MS = 5000;

/** The longest wait between two tries of an idle checkpoint that readers held up. */
const MAX_RETRY_MS = 60_000;

/**
 * Re-arms the idle checkpoint (after every commit): once no commit has happened for
 * IDLE_CHECKPOINT_MS, the WAL is copied back into the database and truncated
 * to 0 bytes (`checkpointIdle`), so what a burst wrote reaches the disk soon
 * after the burst instead of during the next one, and an idle log does not
 * keep a WAL of up to ~16 MB beside it. A reader that holds the checkpoint up
 * makes it try again later, further apart each time, until the next commit.
 */
export function armIdleCheckpoint(store: EventStore): void {
  if (store.checkpointTimer && store.checkpointRetries === 0) {
    store.checkpointTimer.refresh();
    return;
  }
  if (store.checkpointTimer) clearTimeout(store.checkpointTimer);
  store.checkpointRetries = 0;
  schedule(store, IDLE_CHECKPOINT_MS);
}

function schedule(store: EventStore, ms: number): void {
  store.checkpointTimer = setTimeout(() => {
    store.checkpointTimer = null;
    if (store.closed || checkpointIdle(store)) return;
    store.checkpointRetries++;
    schedule(store, Math.min(MAX_RETRY_MS, IDLE_CHECKPOINT_MS * 2 ** store.checkpointRetries));
  }, ms);
  store.checkpointTimer.unref?.();
}

/**
 * Checkpoints the whole WAL and truncates it to 0 bytes (TRUNCATE), without
 * waiting: TRUNCATE waits for readers through the busy handler, which would
 * stop the supervisor for up to BUSY_TIMEOUT_MS behind a `history` reading
 * the log, so it runs with no busy timeout and, when a reader is in the way,
 * copies what it can (as PASSIVE does) and reports it. Returns true when done
 * (or on an error the next commit's idle period will retry), false when a
 * reader held it up.
 */
export function checkpointIdle(store: EventStore): boolean {
  const db = store.db;
  try {
    db.pragma('busy_timeout = 0');
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return result?.busy === 0;
  } catch {
    // I/O error: SQLite's own autocheckpoint (and the next idle period) try again.
    return true;
  } finally {
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    } catch {
      /* the connection is unusable: the next commit reports it */
    }
  }
}
