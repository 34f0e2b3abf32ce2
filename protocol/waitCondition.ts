/**
 * s6-svwait's conditions over the statuses a `subscribe` streams, shared by
 * `s6rc wait`, `svc -w` (cli/waitFor.ts) and the Node API's `wait`
 * (api/): pure, no I/O.
 */
import type { StatusView } from './types.js';

/** -u up, -U up and ready, -d down, -D down and finished, -r restarted (down, then up), -R restarted and ready. */
export type WaitFor = 'u' | 'U' | 'd' | 'D' | 'r' | 'R';

/** s6's notion of up: the run process exists (longrun), the up script succeeded (oneshot). */
export function isUp(s: StatusView): boolean {
  if (s.type === 'oneshot') return s.state === 'ready' || s.state === 'stopping';
  return s.pid !== null && s.state !== 'down' && s.state !== 'failed';
}

/** Whether `s` satisfies the condition; `sawDown` is for -r/-R, which need a down edge first. */
function reached(what: WaitFor, s: StatusView, sawDown: boolean): boolean {
  switch (what) {
    case 'u':
      return isUp(s);
    case 'U':
      return isUp(s) && s.state === 'ready';
    case 'd':
      // Down: the process is gone (finish may still run).
      return !isUp(s) || (s.type === 'longrun' && s.state === 'stopping' && s.pid === null);
    case 'D':
      return s.state === 'down' || s.state === 'failed';
    case 'r':
      return sawDown && isUp(s);
    case 'R':
      return sawDown && isUp(s) && s.state === 'ready';
  }
}

/** A service that can no longer reach an up condition: s6-svwait's permanent failure. */
const permanentlyFailed = (what: WaitFor, s: StatusView) => s.state === 'failed' && what !== 'd' && what !== 'D';

/**
 * Folds a `subscribe` stream into s6-svwait's verdict.
 *
 * @example
 *   const w = new WaitTracker(['web'], 'U', true);
 *   w.see(status) // → null (not yet), 0 (reached), n (n services failed permanently)
 */
export class WaitTracker {
  private readonly state = new Map<string, { ok: boolean; failed: boolean; sawDown: boolean; last: StatusView }>();

  constructor(
    /** How many services to hear from before deciding: the names waited for (atomics, or as given). */
    private readonly expected: number,
    private readonly what: WaitFor,
    /** true: every service (-a); false: any one (-o). */
    private readonly all: boolean,
  ) {}

  /** Takes one status; returns null while undecided, 0 once reached, else how many services failed permanently. */
  see(s: StatusView): number | null {
    const prev = this.state.get(s.name);
    const sawDown = (prev?.sawDown ?? false) || !isUp(s);
    this.state.set(s.name, { ok: reached(this.what, s, sawDown), failed: permanentlyFailed(this.what, s), sawDown, last: s });
    if (this.state.size < this.expected) return null; // every current status first
    const rows = [...this.state.values()];
    const ok = rows.filter((r) => r.ok).length;
    const failed = rows.filter((r) => r.failed).length;
    if (this.all ? ok === rows.length : ok > 0) return 0;
    if (this.all ? failed > 0 && ok + failed === rows.length : failed === rows.length) return failed;
    return null;
  }

  /** The last status of each service heard from. */
  statuses(): StatusView[] {
    return [...this.state.values()].map((r) => r.last);
  }

  /** The services that failed permanently (their last status), and those that have not reached the condition. */
  failed(): StatusView[] {
    return [...this.state.values()].filter((r) => r.failed).map((r) => r.last);
  }

  pending(): StatusView[] {
    return [...this.state.values()].filter((r) => !r.ok).map((r) => r.last);
  }
}
