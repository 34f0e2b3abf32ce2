/**
 * s6-svwait for `wait` and `svc -w` (protocol/waitFor.ts waits; this maps
 * its outcome to s6-svwait's exit codes).
 */
import type { WaitFor } from '../protocol/waitCondition.js';
import { startWaiting } from '../protocol/waitFor.js';
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
 * An unknown name rejects with Fatal 3. It subscribes at once: what the
 * caller does next (`svc -w`'s command) is seen.
 */
export function waitFor(client: ControlClient, services: string[], opts: WaitOptions): Promise<number> {
  const waiting = startWaiting(client, services, opts.what, opts.all);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<number>((resolve) => {
    if (opts.timeout > 0)
      timer = setTimeout(() => {
        waiting.cancel();
        resolve(EXIT.waitTimedOut);
      }, opts.timeout);
  });
  const decided = waiting.verdict.catch((err: unknown) => {
    if (err instanceof SupervisorGone) return EXIT.supervisorGone;
    throw err;
  });
  return Promise.race([decided, timedOut]).finally(() => clearTimeout(timer));
}

export { Fatal };
