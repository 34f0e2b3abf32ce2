/**
 * Runs one real transition on a service actor and reports how it ended
 * (seed page, "Longrun transitions" / "Oneshot transitions").
 */
import type { ServiceHandle, ServiceStatus } from '../service/types.js';

export interface TransitionOutcome {
  ok: boolean;
  code?: number | null;
  signal?: string | null;
  reason?: string | null;
}

/**
 * Asks `handle` to go up or down and calls `done` once, when the transition succeeded or failed.
 *
 * - up succeeds at `ready` (a longrun without readiness notification is reported
 *   ready as soon as it runs), fails at `failed` (the actor applies timeout-up);
 * - down succeeds at `down` (for a longrun, `failed` also means nothing runs
 *   any more); a oneshot whose `down` fails ends in `failed`.
 * A status seen before the request took effect (the replayed current one) is
 * ignored unless it already is the target. If someone else reverses the
 * request meanwhile (svc, a shutdown), the transition fails instead of waiting forever.
 *
 * @returns a function that stops watching (the transition itself goes on).
 */
export function performTransition(
  handle: ServiceHandle,
  type: 'oneshot' | 'longrun',
  kind: 'up' | 'down',
  changeId: number | null,
  done: (outcome: TransitionOutcome) => void,
): () => void {
  const before = handle.status();
  let settled = false;
  let moved = false;
  let stopRequested = false;
  const decide = (st: ServiceStatus): TransitionOutcome | null => {
    if (!moved && changed(before, st)) moved = true;
    if (kind === 'up') {
      if (st.state === 'ready') return { ok: true };
      if (st.state === 'failed' && moved) return failure(st);
      // Someone else asking it down (svc -d, a shutdown) leaves run alive a moment, still wanted down.
      if (moved && !st.wantedUp && st.pid !== null) stopRequested = true;
      // Stopped by someone else, or its run died and its restart policy (never, on-failure) keeps it down.
      if (st.state === 'down' && moved) {
        if (!stopRequested && (st.exitCode !== null || st.signal !== null)) {
          const death = st.signal ? `crashed with signal ${st.signal}` : `exited ${st.exitCode}`;
          return { ok: false, code: st.exitCode, signal: st.signal, reason: `run ${death} before it was ready, and its restart policy keeps it down` };
        }
        return { ok: false, reason: 'stopped before it was ready' };
      }
      return null;
    }
    if (st.state === 'down') return { ok: true };
    if (st.state === 'failed' && (type === 'longrun' || moved)) return type === 'longrun' ? { ok: true } : failure(st);
    if (st.state === 'ready' && moved) return { ok: false, reason: 'started again before it was down' };
    return null;
  };
  if (kind === 'up') handle.up(changeId);
  else handle.down(changeId);
  const subscription = handle.status$.subscribe((st) => {
    if (settled) return;
    const outcome = decide(st);
    if (!outcome) return;
    settled = true;
    // Report outside the actor's own notification, so the orchestrator never re-enters it.
    queueMicrotask(() => {
      subscription?.unsubscribe();
      done(outcome);
    });
  });
  if (settled) queueMicrotask(() => subscription.unsubscribe());
  return () => {
    settled = true;
    subscription.unsubscribe();
  };
}

function changed(a: ServiceStatus, b: ServiceStatus): boolean {
  return (
    a.state !== b.state || a.pid !== b.pid || a.updownSince !== b.updownSince || a.exitCode !== b.exitCode || a.error !== b.error
  );
}

function failure(st: ServiceStatus): TransitionOutcome {
  return { ok: false, code: st.exitCode, signal: st.signal, reason: st.error };
}
