import type { LongrunContext, ServiceContextBase } from '../../machines/service/events.js';
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
    ...(type === 'longrun' ? healthOf(context as LongrunContext) : {}),
  };
}

/** A longrun's deaths, pending restart and what it said over sd_notify (present only when there is something to say). */
function healthOf(context: LongrunContext): Partial<ServiceStatus> {
  const out: Partial<ServiceStatus> = { deaths: context.deaths ?? context.deathTally };
  if (context.respawnAt) out.respawnAt = context.respawnAt;
  if (context.notifyStatus) out.notifyStatus = context.notifyStatus;
  if (context.notifyPhase) out.notifyPhase = context.notifyPhase;
  if (context.mainPid) out.mainPid = context.mainPid;
  return out;
}
