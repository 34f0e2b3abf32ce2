/**
 * The API's `wait`: `s6rc wait` (s6-svwait; protocol/waitFor.ts) as a
 * promise, its failures as `S6rcError`s with s6-svwait's exit codes: 99
 * timed out, 102 the supervisor went away, n (1 to 98) the number of
 * services that failed permanently.
 */
import { EXIT } from '../machines/errors.js';
import { SupervisorGone, type ControlClient } from '../protocol/client.js';
import type { StatusView } from '../protocol/types.js';
import type { WaitFor } from '../protocol/waitCondition.js';
import { startWaiting } from '../protocol/waitFor.js';
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
  let names: string[];
  let timeout: number;
  try {
    names = checkNames(services, 'services');
    if (names.length === 0) throw new S6rcError(EXIT.usage, 'wait needs at least one service name');
    if (!Object.hasOwn(CONDITION, until)) throw new S6rcError(EXIT.usage, `option until expects one of ${Object.keys(CONDITION).join(', ')}, got ${JSON.stringify(until)}`);
    timeout = checkCount(options.timeout ?? 0, 'timeout');
  } catch (err) {
    throw toS6rcError(err);
  }

  const waiting = startWaiting(control, names, CONDITION[until], options.any !== true);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (timeout > 0)
      timer = setTimeout(() => {
        const pending = waiting.pending();
        waiting.cancel();
        reject(new S6rcError(EXIT.waitTimedOut, `timed out after ${timeout} ms waiting for ${pending.join(', ')} to be ${until}`));
      }, timeout);
  });
  const decided = waiting.verdict.then(
    (code) => {
      if (code === 0) return waiting.statuses();
      const failed = waiting.failed().map((s) => `${s.name}${s.error ? ` (${s.error})` : ''}`);
      throw new S6rcError(code, `${failed.length === 1 ? 'service' : 'services'} ${failed.join(', ')} failed permanently: cannot be ${until}`);
    },
    (err: unknown) => {
      if (err instanceof SupervisorGone) throw new S6rcError(EXIT.supervisorGone, err.message, { cause: err });
      throw toS6rcError(err);
    },
  );
  try {
    return await Promise.race([decided, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
