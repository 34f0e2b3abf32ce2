/**
 * What happens after run dies (SPEC §7 health files): restart it, let it stay
 * down (`restart never`, or `on-failure` after a clean exit), or fail it for
 * good (`restart-limit`). And when the restart is due: s6's one-second
 * throttle, or `restart-backoff`'s doubling delay. Pure: times come from the
 * events, so replay reaches the same decisions.
 */
import type { RestartPolicy } from '../model.js';
import type { LongrunContext } from './events.js';

/** s6-supervise restarts run at most once per second. */
export const RESPAWN_THROTTLE_MS = 1000;

export type DeathOutcome = 'restart' | 'stay-down' | 'limit';

interface Death {
  code: number | null;
  signal: string | null;
  time: number;
}

/** A clean exit: code 0, no signal, and not killed by s6rc for failing a health check. */
function cleanExit(context: LongrunContext, death: Death): boolean {
  return death.code === 0 && death.signal === null && !context.healthFailure;
}

/** Death times still inside the restart-limit window once `death` is counted (at most COUNT of them). */
export function deathsInWindow(context: LongrunContext, time: number): number[] {
  const limit = context.restartLimit;
  if (!limit) return [];
  const since = time - limit.seconds * 1000;
  return [...(context.recentDeaths ?? []).filter((t) => t > since), time].slice(-limit.count);
}

/**
 * The decision at run's death. `requested`: the death came from a stop that
 * the user followed with `up` (a restart they asked for, not a failure), so
 * neither the policy nor the limit applies.
 */
export function deathOutcome(context: LongrunContext, death: Death, requested = false): DeathOutcome {
  if (!context.wantedUp) return 'stay-down';
  if (requested && !context.healthFailure) return 'restart';
  const policy: RestartPolicy = context.restart ?? 'always';
  if (policy === 'never' || (policy === 'on-failure' && cleanExit(context, death))) return 'stay-down';
  if (context.restartLimit && deathsInWindow(context, death.time).length >= context.restartLimit.count) return 'limit';
  return 'restart';
}

/**
 * When the next start is due after a death at `time`, and the consecutive
 * restart count it makes. With restart-backoff the k-th consecutive restart
 * waits min(MAX, MIN·2^(k−1)) from the death, k starting again at 1 once the
 * service had been ready for MAX ms; without it, s6's throttle: one second
 * after the previous spawn.
 */
export function nextRespawn(context: LongrunContext, time: number): { respawnAt: number; restartCount: number } {
  const backoff = context.restartBackoff;
  if (!backoff) return { respawnAt: Math.max(time, (context.spawnedAt ?? 0) + RESPAWN_THROTTLE_MS), restartCount: (context.restartCount ?? 0) + 1 };
  const settled = context.readySince !== null && time - context.readySince >= backoff.max;
  const k = settled ? 1 : (context.restartCount ?? 0) + 1;
  const delay = Math.min(backoff.max, backoff.min * 2 ** Math.min(k - 1, 52));
  return { respawnAt: time + delay, restartCount: k };
}

/** The error text of a restart limit reached. */
export function limitMessage(context: LongrunContext): string {
  const limit = context.restartLimit!;
  return `restart limit reached: ${limit.count} deaths within ${limit.seconds} s`;
}
