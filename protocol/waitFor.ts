/**
 * s6-svwait over a connection, shared by `s6rc wait`, `svc -w`
 * (cli/waitFor.ts) and the Node API's `wait` (api/wait.ts), which map its
 * outcome to their exit codes and errors. Race-free: it subscribes before
 * anything is evaluated (the supervisor replays each current status first),
 * and asks `status` right after, on the same connection, for the atomics
 * the names stand for (a bundle stands for several): the supervisor answers
 * in order, so the subscription's current statuses have all arrived when that
 * answer says how many to hear from.
 */
import type { ControlClient } from './client.js';
import { SupervisorGone } from './client.js';
import type { StatusView } from './types.js';
import { WaitTracker, type WaitFor } from './waitCondition.js';

export interface Waiting {
  /**
   * Resolves with s6-svwait's verdict: 0 reached, n the number of services
   * that failed permanently. Rejects with the request's error (`Fatal`: 3
   * unknown name...), or `SupervisorGone` if the supervisor goes away.
   */
  readonly verdict: Promise<number>;
  /** The last status of each service heard from. */
  statuses(): StatusView[];
  /** Those that failed permanently. */
  failed(): StatusView[];
  /** The names of those that have not reached the condition (the names given, before the first answer). */
  pending(): string[];
  /** Gives up (a timeout): ends the subscription on the supervisor; `verdict` then never settles. */
  cancel(): void;
}

/**
 * @example
 *   const w = startWaiting(client, ['db'], 'U', true);
 *   const code = await w.verdict; // 0 once db is up and ready
 */
export function startWaiting(control: ControlClient, services: string[], what: WaitFor, all: boolean): Waiting {
  let tracker: WaitTracker | null = null;
  const early: StatusView[] = [];
  let settle!: { resolve(code: number): void; reject(err: unknown): void };
  let done = false;
  const verdict = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
  const decide = (outcome: { code: number } | { error: unknown }) => {
    if (done) return;
    done = true;
    subscription.cancel();
    if ('code' in outcome) settle.resolve(outcome.code);
    else settle.reject(outcome.error);
  };
  const see = (status: StatusView) => {
    const code = tracker!.see(status);
    if (code !== null) decide({ code });
  };
  const fail = (error: unknown) => decide({ error });

  const subscription = control.open('subscribe', { services }, ({ status }) => {
    if (done) return;
    if (tracker) see(status);
    else early.push(status);
  });
  // A subscription never ends by itself: if it does, the supervisor is gone.
  subscription.result.then(() => fail(new SupervisorGone(`supervisor on ${control.live} went away`, false)), fail);
  control.request('status', { services }).then(({ services: atomics }) => {
    tracker = new WaitTracker(new Set(atomics.map((s) => s.name)).size, what, all);
    for (const status of early.splice(0)) if (!done) see(status);
  }, fail);

  return {
    verdict,
    statuses: () => tracker?.statuses() ?? [],
    failed: () => tracker?.failed() ?? [],
    pending: () => tracker?.pending().map((s) => s.name) ?? services,
    cancel: () => {
      if (done) return;
      done = true;
      subscription.cancel();
    },
  };
}
