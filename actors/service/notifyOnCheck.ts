import { spawn } from 'node:child_process';
import type { NotifyOnCheck } from '../../machines/model.js';
import { sendSignal } from './signals.js';

export interface CheckOutcome {
  ready: boolean;
  /** Why it gave up, when not ready. */
  reason?: string;
}

/**
 * s6-notifyoncheck's algorithm, inside the supervisor with no helper process:
 * sleep `initialSleep`, then run the check program (cwd = service directory)
 * until it exits 0, waiting `waitingTime` between tries, at most `tries`
 * times (0 = forever); each try is killed after `localTimeout` (0 = none),
 * and everything stops after `globalTimeout` (0 = none).
 *
 * @returns a function that cancels polling (and kills a running check).
 */
export function pollCheck(serviceDir: string, options: NotifyOnCheck, done: (outcome: CheckOutcome) => void): () => void {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let globalTimer: NodeJS.Timeout | undefined;
  let checkPid: number | undefined;
  let triesLeft = options.tries;

  const finish = (outcome: CheckOutcome) => {
    if (cancelled) return;
    cancel();
    done(outcome);
  };
  const cancel = () => {
    cancelled = true;
    clearTimeout(timer);
    clearTimeout(globalTimer);
    if (checkPid !== undefined) sendSignal(checkPid, 'SIGKILL');
  };

  const tryOnce = () => {
    if (cancelled) return;
    const [file, ...args] = options.checkProgram;
    const child = spawn(file, args, { cwd: serviceDir, stdio: 'ignore' });
    let localTimer: NodeJS.Timeout | undefined;
    child.on('error', () => {}); // a missing check counts as a failed try (exit below)
    checkPid = child.pid;
    if (options.localTimeout > 0 && child.pid !== undefined) {
      localTimer = setTimeout(() => child.kill('SIGKILL'), options.localTimeout);
    }
    const settle = (ok: boolean) => {
      clearTimeout(localTimer);
      checkPid = undefined;
      if (cancelled) return;
      if (ok) return finish({ ready: true });
      if (options.tries > 0 && --triesLeft <= 0) return finish({ ready: false, reason: `data/check failed ${options.tries} times` });
      timer = setTimeout(tryOnce, options.waitingTime);
    };
    if (child.pid === undefined) child.once('error', () => settle(false));
    else child.once('exit', (code) => settle(code === 0));
  };

  if (options.globalTimeout > 0) {
    globalTimer = setTimeout(() => finish({ ready: false, reason: `data/check did not succeed within ${options.globalTimeout} ms` }), options.globalTimeout);
  }
  timer = setTimeout(tryOnce, options.initialSleep);
  return cancel;
}
