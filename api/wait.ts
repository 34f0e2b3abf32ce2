/**
 * The API's `wait`: `s6rc wait` (s6-svwait) as a promise, its conditions
 * from protocol/waitCondition.ts, its failures as `S6rcError`s with
 * s6-svwait's exit codes: 99 timed out, 102 the supervisor went away, n (1
 * to 98) the number of services that failed permanently.
 */
import { EXIT } from '../machines/errors.js';
import { SupervisorGone, type ControlClient } from '../protocol/client.js';
import type { StatusView } from '../protocol/types.js';
import { WaitTracker, type WaitFor } from '../protocol/waitCondition.js';
import { S6rcError, toS6rcError } from './errors.js';
import type { WaitOptions, WaitUntil } from './types.js';
import { checkCount, checkNames } from './validate.js';

const CONDITION: Record<WaitUntil, WaitFor> = { up: 'u', ready: 'U', down: 'd', finished: 'D', restarted: 'r', 'restarted-ready': 'R' };

/**
 * Resolves with the services' statuses once they reached the condition.
 *
 * @example await wait(control, ['db'], { until: 'ready', timeout: 5000 }) // → [{ name: 'db', state: 'ready', ... }]
 */
export async function wait(control: ControlClient, services: string[], options: WaitOptions = {}): Promise<StatusView[]> {
  const until = options.until ?? 'up';
  let what: WaitFor;
  let timeout: number;
  let names: string[];
  try {
    names = checkNames(services, 'services');
    if (names.length === 0) throw new S6rcError(EXIT.usage, 'wait needs at least one service name');
    if (!Object.hasOwn(CONDITION, until)) throw new S6rcError(EXIT.usage, `option until expects one of ${Object.keys(CONDITION).join(', ')}, got ${JSON.stringify(until)}`);
    what = CONDITION[until];
    timeout = checkCount(options.timeout ?? 0, 'timeout');
  } catch (err) {
    throw toS6rcError(err);
  }

  return new Promise<StatusView[]>((resolvePromise, rejectPromise) => {
    let tracker: WaitTracker | null = null;
    const early: StatusView[] = [];
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: { statuses: StatusView[] } | { error: S6rcError }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subscription.cancel();
      if ('error' in outcome) rejectPromise(outcome.error);
      else resolvePromise(outcome.statuses);
    };
    const see = (status: StatusView) => {
      const verdict = tracker!.see(status);
      if (verdict === null) return;
      if (verdict === 0) return finish({ statuses: tracker!.statuses() });
      const failed = tracker!.failed().map((s) => `${s.name}${s.error ? ` (${s.error})` : ''}`);
      finish({ error: new S6rcError(verdict, `${failed.length === 1 ? 'service' : 'services'} ${failed.join(', ')} failed permanently: cannot be ${until}`) });
    };
    const failed = (err: unknown) => {
      if (err instanceof SupervisorGone) return finish({ error: new S6rcError(EXIT.supervisorGone, err.message, { cause: err }) });
      finish({ error: toS6rcError(err) });
    };

    // Subscribe first, then ask for the statuses: the supervisor answers in order on one connection, so every
    // current status of the subscription arrives before the `status` answer names the atomics to hear from
    // (a bundle stands for several).
    const subscription = control.open('subscribe', { services: names }, ({ status }) => {
      if (tracker) see(status);
      else early.push(status);
    });
    subscription.result.then(() => failed(new SupervisorGone(`supervisor on ${control.live} went away`, false)), failed);
    control.request('status', { services: names }).then(({ services: atomics }) => {
      tracker = new WaitTracker(new Set(atomics.map((s) => s.name)).size, what, options.any !== true);
      for (const status of early.splice(0)) if (!done) see(status);
    }, failed);
    if (timeout > 0) {
      timer = setTimeout(() => {
        const pending = tracker?.pending().map((s) => s.name) ?? names;
        finish({ error: new S6rcError(EXIT.waitTimedOut, `timed out after ${timeout} ms waiting for ${pending.join(', ')} to be ${until}`) });
      }, timeout);
    }
  });
}
