/**
 * s6-svwait's logic over the control socket, shared by `wait` and `svc -w`:
 * subscribe first (the supervisor replays each current status), then watch
 * the stream, so no transition falls between reading and waiting.
 */
import type { StatusView } from '../protocol/types.js';
import { ControlClient, SupervisorGone } from './client.js';
import { EXIT, Fatal } from './fatal.js';
import { isUp } from './svstatFormat.js';

/** -u up, -U up and ready, -d down, -D down and finished, -r restarted (down then up), -R restarted and ready. */
export type WaitFor = 'u' | 'U' | 'd' | 'D' | 'r' | 'R';

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

export interface WaitOptions {
  what: WaitFor;
  /** true: every service (-a, default); false: any one (-o). */
  all: boolean;
  /** ms; 0 = forever. */
  timeout: number;
}

/**
 * Resolves with s6-svwait's exit code: 0 reached, 99 timed out, 102 the
 * supervisor went away, n = number of services that failed permanently.
 * An unknown name rejects with Fatal 3.
 */
export async function waitFor(client: ControlClient, services: string[], opts: WaitOptions): Promise<number> {
  const state = new Map<string, { ok: boolean; failed: boolean; sawDown: boolean }>();
  return new Promise<number>((resolve, reject) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(code);
    };
    const timer = opts.timeout > 0 ? setTimeout(() => finish(EXIT.waitTimedOut), opts.timeout) : undefined;
    const evaluate = () => {
      if (state.size < services.length) return; // every current status first
      const rows = [...state.values()];
      const ok = rows.filter((r) => r.ok).length;
      const failed = rows.filter((r) => r.failed).length;
      if (opts.all ? ok === rows.length : ok > 0) return finish(EXIT.ok);
      if (opts.all ? failed > 0 && ok + failed === rows.length : failed === rows.length) finish(failed);
    };
    client
      .request('subscribe', { services }, ({ status: s }) => {
        const prev = state.get(s.name) ?? { ok: false, failed: false, sawDown: false };
        const sawDown = prev.sawDown || (state.has(s.name) && !isUp(s)) || (!state.has(s.name) && !isUp(s));
        state.set(s.name, { ok: reached(opts.what, s, sawDown), failed: permanentlyFailed(opts.what, s), sawDown });
        evaluate();
      })
      .then(
        () => finish(EXIT.supervisorGone),
        (err) => {
          if (done) return;
          if (err instanceof SupervisorGone) return finish(EXIT.supervisorGone);
          if (timer) clearTimeout(timer);
          done = true;
          reject(err);
        },
      );
  });
}

export function waitUsageWhat(v: unknown, fallback: WaitFor): WaitFor {
  return typeof v === 'string' && 'uUdDrR'.includes(v) && v.length === 1 ? (v as WaitFor) : fallback;
}

export { Fatal };
