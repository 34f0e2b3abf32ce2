/**
 * The change engine inside one supervisor: its socket operations (`change`,
 * `change-cancel`, `update`, `list`, `listall`, `diff`, `reconcile`,
 * documented in ops.ts), the one-change-at-a-time lock, the changes running
 * now, and the orchestrated `-Da change` a shutdown runs (`downAll`). One
 * instance per supervisor, created by it (actors/supervisor/runDaemon.ts
 * wires them).
 */
import type { OrchestratorOutput } from '../../machines/orchestrator.js';
import type { EngineOp, OpHandlers, SupervisorApi } from '../supervisor/api.js';
import { ChangeLock } from './changeLock.js';
import { orchestratorOps } from './ops.js';
import { runChange, type RunningChange } from './runChange.js';
import { silentSink } from './sink.js';

export interface DownAllOptions {
  /** ms for the whole change; 0 = none. */
  timeout?: number;
  /** Recorded as the change's argv, e.g. `['shutdown']`. */
  argv?: string[];
  user?: string;
  /** Receives s6-rc's progress lines (verbosity 2). */
  onText?: (text: string) => void;
}

export class Orchestrator {
  /** One change (or shutdown) per live directory at a time (SPEC §3). */
  readonly lock = new ChangeLock();
  /** The changes running now, by change id, for `change-cancel` and a shutdown that takes over. */
  readonly running = new Map<number, RunningChange>();

  constructor(readonly supervisor: SupervisorApi) {}

  /** The socket operations it adds to the supervisor's. */
  ops(): Pick<OpHandlers, EngineOp> {
    return orchestratorOps(this);
  }

  /** Stops scheduling every running change (a shutdown takes over); they answer their clients with exit 1. */
  cancelRunning(why: string): void {
    for (const change of this.running.values()) change.cancel(why);
  }

  /**
   * Brings every service down in reverse dependency order, essential ones
   * included (`s6rc -Da change`), through the same engine and lock as a
   * user's change, and resolves when every transition ended. A shutdown does
   * not wait for a change that may never end (a service stuck on its way up):
   * the running change stops scheduling and gives the lock back, and its work
   * in flight is stopped by this one.
   *
   * @example await orchestrator.downAll({ argv: ['shutdown'], timeout: 10_000 })
   */
  async downAll(options: DownAllOptions = {}): Promise<OrchestratorOutput> {
    const acquired = this.lock.acquire({ what: 'a shutdown' }, true, undefined, true)!;
    this.cancelRunning('the supervisor is shutting down');
    const release = await acquired;
    const change = runChange(
      this.supervisor,
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
}
