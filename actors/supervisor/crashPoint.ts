/**
 * Fault injection for crash-consistency tests: `crashPoint('update.committed')`
 * kills the supervisor with SIGKILL right there when `S6RC_CRASH_AT` names
 * that point, and does nothing otherwise (one comparison). `S6RC_CRASH_AT=
 * name:N` kills at the Nth time the point is reached, so a harness can pick
 * a random commit rather than always the first. The points are the moments a
 * crash is hardest to recover from; tests name them to check that a
 * supervisor killed there recovers consistently.
 *
 * @example
 *   S6RC_CRASH_AT=events.commit:7 s6rc daemon -l live   # dies inside its 7th commit
 */
const [target, nth] = parseTarget(process.env.S6RC_CRASH_AT);
let reached = 0;

export function crashPoint(name: string): void {
  if (target === name && ++reached >= nth) process.kill(process.pid, 'SIGKILL');
}

/** True when S6RC_CRASH_AT names a point: only then is `crashPoint` handed to lower layers (the event store). */
export const crashPointArmed = target !== undefined;

function parseTarget(raw: string | undefined): [string | undefined, number] {
  if (!raw) return [undefined, 1];
  const m = /^(.*):(\d+)$/.exec(raw);
  return m ? [m[1], Math.max(1, Number(m[2]))] : [raw, 1];
}
