import type { ServiceContextBase } from '../../machines/service/events.js';
import type { ServiceState, ServiceStatus } from './types.js';

/** The s6-svstat view of a machine snapshot. */
export function toStatus(type: 'longrun' | 'oneshot', state: ServiceState, context: ServiceContextBase): ServiceStatus {
  return {
    name: context.name,
    type,
    state,
    wantedUp: context.wantedUp,
    pid: context.pid,
    exitCode: context.exitCode,
    signal: context.signal,
    paused: context.paused,
    updownSince: context.updownSince,
    readySince: context.readySince,
    deathTally: context.deathTally,
    error: context.error,
    ...((context as { outcomeUnknown?: boolean }).outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}
