import type { NotifyOnCheck } from '../../machines/model.js';
import { pollUntilSuccess } from './poller.js';
import { ExecAttempt } from './probeAttempt.js';

export interface CheckOutcome {
  ready: boolean;
  /** Why it gave up, when not ready. */
  reason?: string;
}

/**
 * s6-notifyoncheck's algorithm, inside the supervisor with no helper process:
 * sleep `initialSleep`, then run the check program (cwd = service directory)
 * until it exits 0, a try every `waitingTime` (never two at once), at most
 * `tries` times (0 = forever); each try is killed after `localTimeout` (0 = none),
 * and everything stops after `globalTimeout` (0 = none). An `exec`
 * readiness probe (probes.ts) is the same loop running the same check.
 *
 * @returns a function that cancels polling (and kills a running check).
 */
export function pollCheck(serviceDir: string, options: NotifyOnCheck, done: (outcome: CheckOutcome) => void): () => void {
  return pollUntilSuccess(new ExecAttempt(serviceDir, options.checkProgram), { ...options, attemptTimeout: options.localTimeout }, (outcome) => {
    if (outcome.ready) done({ ready: true });
    else if (outcome.timedOut) done({ ready: false, reason: `data/check did not succeed within ${options.globalTimeout} ms` });
    else done({ ready: false, reason: `data/check failed ${options.tries} times` });
  });
}
