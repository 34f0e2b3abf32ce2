import { armIdleCheckpoint } from './idleCheckpoint.js';
import type { EventRow, EventStore, QueuedWrite } from './types.js';

const RETRY_MS = 1000;

/**
 * Commits every queued write in one transaction, projections included.
 * Returns true when the queue is empty afterwards.
 *
 * On a write error (disk full, I/O error, busy) the transaction rolls back,
 * nothing queued is dropped, `s6rc: warning: ...` is reported once per failure
 * streak and the commit is retried every second; committed events are never
 * touched. The supervisor keeps running, so this is a warning: only writes
 * still queued when the store closes are lost (`closeEventStore`, fatal).
 */
export function flushEvents(store: EventStore): boolean {
  if (store.queue.length === 0) {
    runAfterCommit(store);
    return true;
  }
  const batch = store.queue;
  store.queue = [];
  try {
    commit(store, batch);
  } catch (err) {
    store.queue = batch.concat(store.queue);
    noteFailure(store, err);
    // What waited for this commit goes on without it: supervision must not stop on a full disk.
    runAfterCommit(store);
    return false;
  }
  if (store.failures > 0) {
    store.report(`s6rc: info: event store ${store.path}: writing again after ${store.failures} failed attempts`);
    store.failures = 0;
  }
  if (store.retryTimer) {
    clearTimeout(store.retryTimer);
    store.retryTimer = null;
  }
  armIdleCheckpoint(store);
  if (store.onCommit) {
    const rows: EventRow[] = [];
    for (const w of batch) if (w.kind === 'event') rows.push(w.row);
    store.onCommit(rows);
  }
  runAfterCommit(store);
  return true;
}

function commit(store: EventStore, batch: QueuedWrite[]): void {
  const s = store.statements;
  store.db.transaction(() => {
    // Projections: only the last state of each actor in the batch needs writing.
    const actors = new Map<string, { state: string; context: unknown; seq: number }>();
    for (const w of batch) {
      if (w.kind === 'event') {
        const r = w.row;
        s.insertEvent.run(r.seq, r.time, r.boot, r.changeId, r.service, r.type, r.from, r.to, JSON.stringify(r.payload));
        if (w.actorState && r.service !== null) actors.set(r.service, { state: w.actorState.state, context: w.actorState.context, seq: r.seq });
        if (w.live !== undefined && r.service !== null) s.upsertLive.run(r.service, w.live ? 1 : 0, r.seq);
      } else if (w.kind === 'change.start') {
        s.insertChange.run(w.id, w.boot, w.argv, w.user, w.started);
      } else {
        s.endChange.run(w.ended, w.exitCode, w.done, w.failed, w.reason ?? null, w.id);
      }
    }
    for (const [service, a] of actors) s.upsertActor.run(service, a.state, JSON.stringify(a.context ?? {}), a.seq);
  })();
}

function noteFailure(store: EventStore, err: unknown): void {
  const e = err as { code?: string; message?: string };
  store.failures++;
  if (store.failures === 1) {
    store.report(
      `s6rc: warning: event store ${store.path}: cannot commit: ${e.code ?? 'error'}: ${e.message ?? e}; ` +
        `keeping ${store.queue.length} queued writes in memory and retrying every ${RETRY_MS / 1000}s`,
    );
  }
  if (!store.retryTimer && !store.closed) {
    store.retryTimer = setTimeout(() => {
      store.retryTimer = null;
      if (!store.closed) flushEvents(store);
    }, RETRY_MS);
    store.retryTimer.unref?.();
  }
}

/** Runs what waited for a commit (an exception in one does not stop the others). */
export function runAfterCommit(store: EventStore): void {
  if (store.afterCommit.length === 0) return;
  for (const then of store.afterCommit.splice(0)) {
    try {
      then();
    } catch (err) {
      store.report(`s6rc: warning: after commit: ${(err as Error).message}`);
    }
  }
}
