/**
 * Health probes (`readiness-probe`, `liveness-probe`, SPEC §7) run inside the
 * supervisor: a tcp connect or an http GET costs a socket, not a process;
 * only `exec` runs a program (the check). The longrun actor starts a
 * readiness probe where it would poll data/check, and watches liveness while
 * the service is ready.
 */
import type { Probe } from '../../machines/model.js';
import { poll, pollUntilSuccess, type PollTiming } from './poller.js';
import { probeAttempt, probeLabel } from './probeAttempt.js';

export interface ProbeOutcome {
  ready: boolean;
  /** Why it gave up, when not ready: one line, naming the probe. */
  reason?: string;
}

/** A connect that is slow but fine must not be cut short by a short -w. */
const MIN_NETWORK_ATTEMPT_MS = 1000;

/** -t, or when it is 0 the interval -w (at least 1 s for tcp and http); 0 = no limit. */
export function attemptTimeout(probe: Probe): number {
  if (probe.localTimeout > 0) return probe.localTimeout;
  return probe.kind === 'exec' ? probe.waitingTime : Math.max(probe.waitingTime, MIN_NETWORK_ATTEMPT_MS);
}

function timing(probe: Probe): PollTiming {
  return { initialSleep: probe.initialSleep, waitingTime: probe.waitingTime, attemptTimeout: attemptTimeout(probe) };
}

/**
 * Readiness: sleep initialSleep, then attempt every waitingTime until one
 * succeeds, at most `tries` (0 = forever), giving up after globalTimeout
 * (0 = never). `done` is called once, unless cancelled first.
 *
 * @example const cancel = runReadinessProbe(parseProbe('tcp 127.0.0.1:8080 -w 100', false), dir, ({ ready, reason }) => ...);
 * @returns cancel: clears every timer, destroys a socket or kills a check in flight.
 */
export function runReadinessProbe(probe: Probe, serviceDir: string, done: (outcome: ProbeOutcome) => void): () => void {
  const label = probeLabel(probe);
  const limits = { ...timing(probe), tries: probe.tries, globalTimeout: probe.globalTimeout };
  return pollUntilSuccess(probeAttempt(probe, serviceDir), limits, (outcome) => {
    if (outcome.ready) done({ ready: true });
    else if (!outcome.timedOut) done({ ready: false, reason: `${label}: ${outcome.last} (${plural(outcome.attempts, 'attempt')})` });
    else {
      const tried = outcome.last === null ? 'no attempt finished' : `${plural(outcome.attempts, 'attempt')}, last: ${outcome.last}`;
      done({ ready: false, reason: `${label}: not ready within ${probe.globalTimeout} ms (${tried})` });
    }
  });
}

/**
 * Liveness: after initialSleep, attempt every waitingTime; `failureThreshold`
 * consecutive failures call `onDead(reason)` once and stop. A success resets
 * the count.
 *
 * @example const cancel = watchLiveness(parseProbe('http http://127.0.0.1:8080/health -w 1000 -f 3', true), dir, (reason) => ...);
 * @returns cancel: clears every timer, destroys a socket or kills a check in flight.
 */
export function watchLiveness(probe: Probe, serviceDir: string, onDead: (reason: string) => void): () => void {
  const label = probeLabel(probe);
  const threshold = Math.max(1, probe.failureThreshold);
  let failures = 0;
  return poll(probeAttempt(probe, serviceDir), timing(probe), (failure) => {
    if (failure === null) {
      failures = 0;
      return true;
    }
    if (++failures < threshold) return true;
    onDead(`${label}: ${failure} (${failures === 1 ? '1 failure' : `${failures} failures in a row`})`);
    return false;
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
