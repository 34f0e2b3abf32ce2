/**
 * s6-rc's message formats (SPEC §2), by verbosity: 1 warnings, 2 one line per
 * transition, 3 debug.
 */
import type { Transition } from '../../machines/plan/types.js';
import type { TransitionOutcome } from './performTransition.js';

export const info = (text: string) => `s6rc: info: ${text}\n`;
export const warning = (text: string) => `s6rc: warning: ${text}\n`;
export const debug = (text: string) => `s6rc: debug: ${text}\n`;

/** `service NAME: starting` / `service NAME: stopping` (-v2). */
export function scheduledLine(t: Transition): string {
  return info(`service ${t.service}: ${t.kind === 'up' ? 'starting' : 'stopping'}`);
}

/** `service NAME successfully started` / `... stopped` (-v2). */
export function succeededLine(t: Transition): string {
  return info(`service ${t.service} successfully ${t.kind === 'up' ? 'started' : 'stopped'}`);
}

/** `unable to start service NAME: command exited N` / `crashed with signal SIG` (-v1). */
export function failedLine(t: Transition, outcome: TransitionOutcome): string {
  return warning(`unable to ${t.kind === 'up' ? 'start' : 'stop'} service ${t.service}: ${failureReason(t, outcome)}`);
}

/** A oneshot's failure is its command's exit; a longrun's is the actor's reason (readiness timeout, permanent failure). */
export function failureReason(t: Transition, outcome: TransitionOutcome): string {
  const exited = outcome.code !== undefined && outcome.code !== null;
  if (outcome.signal && (t.type === 'oneshot' || !outcome.reason)) return `crashed with signal ${outcome.signal}`;
  if (exited && (t.type === 'oneshot' || !outcome.reason)) return `command exited ${outcome.code}`;
  return outcome.reason ?? 'transition failed';
}

/** `service NAME is marked as essential, not stopping it` (-v1, on -d without -D). */
export function essentialLine(service: string): string {
  return warning(`service ${service} is marked as essential, not stopping it`);
}
