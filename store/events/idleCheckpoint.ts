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

/**
 * Re-arms the idle checkpoint (after every commit): once no commit has happened for
 * IDLE_CHECKPOINT_MS, the WAL is copied back into the database (PASSIVE: it
 * never waits for readers), so what a burst wrote reaches the disk soon after
 * the burst instead of during the next one.
 */
export function armIdleCheckpoint(store: EventStore): void {
  if (store.checkpointTimer) {
    store.checkpointTimer.refresh();
    return;
  }
  store.checkpointTimer = setTimeout(() => {
    store.checkpointTimer = null;
    if (store.closed) return;
    try {
      store.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or I/O error: SQLite's own autocheckpoint (and the next idle period) try again.
    }
  }, IDLE_CHECKPOINT_MS);
  store.checkpointTimer.unref?.();
}
