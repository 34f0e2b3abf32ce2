import { isSameProcess } from './procStartTime.js';

const POLL_MS = 250;

/**
 * Watches adopted processes: after a supervisor crash, `run` processes are no
 * longer our children, so there is no exit event and no waitpid. One interval
 * per watcher (the supervisor has one for all its services, not one per
 * service) checks every watched pid with `process.kill(pid, 0)` and its /proc
 * start time, and stops itself when nothing is watched.
 */
export class AdoptedProcesses {
  private readonly watched = new Map<number, { startTime: string | null; onGone: () => void }>();
  private interval: NodeJS.Timeout | undefined;

  /** Calls `onGone` once when `pid` (started at `startTime`) is gone. Returns an unwatch function. */
  watch(pid: number, startTime: string | null, onGone: () => void): () => void {
    this.watched.set(pid, { startTime, onGone });
    this.interval ??= setInterval(() => this.poll(), POLL_MS);
    return () => {
      if (this.watched.get(pid)?.onGone !== onGone) return;
      this.watched.delete(pid);
      if (this.watched.size === 0) this.stopPolling();
    };
  }

  private poll(): void {
    for (const [pid, watch] of this.watched) {
      if (isSameProcess(pid, watch.startTime)) continue;
      this.watched.delete(pid);
      watch.onGone();
    }
    if (this.watched.size === 0) this.stopPolling();
  }

  private stopPolling(): void {
    clearInterval(this.interval);
    this.interval = undefined;
  }
}
