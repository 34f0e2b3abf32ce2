/**
 * Fault injection for crash-consistency tests: `crashPoint('update.committed')`
 * kills the supervisor with SIGKILL right there when `S6RC_CRASH_AT` names
 * that point, and does nothing otherwise (one string comparison). The points
 * are the moments a crash is hardest to recover from; tests name them to
 * check that a supervisor killed there recovers consistently.
 */
const target = process.env.S6RC_CRASH_AT;

export function crashPoint(name: string): void {
  if (target === name) process.kill(process.pid, 'SIGKILL');
}
