import { isSameProcess } from './procStartTime.js';

/**
 * Watches adopted processes: after a supervisor crash, `run` processes are no
 * longer our children, so there is no exit event and no waitpid. One shared
 * interval (not one per service) checks every watched pid with
 * `process.kill(pid, 0)` and its /proc start time every 250 ms, and stops
 * itself when nothing is watched.
 */
const POLL_MS = 250;
const watched = new Map<number, { startTime: string | null; onGone: () => void }>();
let interval: NodeJS.Timeout | undefined;

function poll(): void {
  for (const [pid, watch] of watched) {
    if (isSameProcess(pid, watch.startTime)) continue;
    watched.delete(pid);
    watch.onGone();
  }
  if (watched.size === 0) stopPolling();
}

function stopPolling(): void {
  clearInterval(interval);
  interval = undefined;
}

/** Calls `onGone` once when `pid` (started at `startTime`) is gone. Returns an unwatch function. */
export function watchAdopted(pid: number, startTime: string | null, onGone: () => void): () => void {
  watched.set(pid, { startTime, onGone });
  interval ??= setInterval(poll, POLL_MS);
  return () => {
    if (watched.get(pid)?.onGone !== onGone) return;
    watched.delete(pid);
    if (watched.size === 0) stopPolling();
  };
}
