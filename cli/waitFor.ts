/**
 * s6-svwait over the control socket, shared by `wait` and `svc -w`:
 * subscribe first (the supervisor replays each current status), then watch
 * the stream, so no transition falls between reading and waiting. The
 * conditions themselves are protocol/waitCondition.ts's.
 */
import { WaitTracker, type WaitFor } from '../protocol/waitCondition.js';
import { ControlClient, SupervisorGone } from './client.js';
import { EXIT, Fatal } from './fatal.js';

export type { WaitFor };

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
  const tracker = new WaitTracker(services.length, opts.what, opts.all);
  return new Promise<number>((resolve, reject) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(code);
    };
    const timer = opts.timeout > 0 ? setTimeout(() => finish(EXIT.waitTimedOut), opts.timeout) : undefined;
    client
      .request('subscribe', { services }, ({ status }) => {
        const verdict = tracker.see(status);
        if (verdict !== null) finish(verdict);
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

export { Fatal };
