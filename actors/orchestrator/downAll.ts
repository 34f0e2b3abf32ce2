/**
 * `downAll`: the `-Da change` a shutdown needs, through the same engine and
 * lock as a user's change (waits its turn behind a running change).
 */
import type { SupervisorApi } from '../supervisor/api.js';
import { changeLockOf } from './changeLock.js';
import { cancelRunningChanges } from './ops.js';
import { runChange } from './runChange.js';
import { silentSink } from './sink.js';
import type { OrchestratorOutput } from '../../machines/orchestrator.js';

export interface DownAllOptions {
  /** ms for the whole change; 0 = none. */
  timeout?: number;
  /** Recorded as the change's argv, e.g. `['shutdown']`. */
  argv?: string[];
  user?: string;
  /** Receives s6-rc's progress lines (verbosity 2). */
  onText?: (text: string) => void;
}

/**
 * Brings every service down in reverse dependency order, essential ones
 * included (`s6rc -Da change`), and resolves when every transition ended.
 *
 * @example await downAll(supervisor, { argv: ['shutdown'], timeout: 10_000 })
 */
export async function downAll(supervisor: SupervisorApi, options: DownAllOptions = {}): Promise<OrchestratorOutput> {
  const lock = changeLockOf(supervisor);
  // A shutdown does not wait for a change that may never end (a service stuck on its way up):
  // the running change stops scheduling, gives the lock back, and its work in flight is stopped below.
  const acquired = lock.acquire({ what: 'a shutdown' }, true, undefined, true)!;
  cancelRunningChanges(supervisor, 'the supervisor is shutting down');
  const release = await acquired;
  const change = runChange(
    supervisor,
    {
      names: [],
      direction: 'DOWN',
      all: true,
      prune: false,
      verbosity: options.onText ? 2 : 0,
      dryRun: null,
      timeout: options.timeout ?? 0,
      argv: options.argv ?? ['-Da', 'change'],
      user: options.user ?? 'supervisor',
    },
    silentSink(options.onText),
    release,
  );
  return change.ended;
}
