/**
 * flag-timeout-killpg, once its longrun is down: what its last run forked
 * and left running in its process group goes too. The actor signals the
 * group only at timeout-kill; a run that exits on its down-signal leaves
 * its background children behind, re-parented to the supervisor (a child
 * subreaper), which alone can signal their group safely (see
 * Reaper.endGroup).
 */
import type { Longrun } from '../../machines/model.js';
import type { ServiceEventRecord } from '../service/types.js';
import type { Reaper } from './reaper.js';

/** With no timeout-kill, how long the leftovers get between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 1000;

export class KillpgLeftovers {
  /** The pid (and process group) of each killpg longrun's last run that exited. */
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly reaper: Pick<Reaper, 'endGroup'>,
    /** The longrun's current definition (`update` may change it), or undefined. */
    private readonly longrun: (name: string) => Longrun | undefined,
  ) {}

  /** Called with every event a service records, after its run was reaped. */
  observe(rec: ServiceEventRecord): void {
    if (rec.type === 'run.exited') {
      const pid = rec.payload.pid;
      if (typeof pid === 'number' && pid > 0 && this.longrun(rec.service)?.killProcessGroup) this.lastRun.set(rec.service, pid);
    }
    if (rec.to !== 'down' && rec.to !== 'failed') return;
    const group = this.lastRun.get(rec.service);
    if (group === undefined) return;
    this.lastRun.delete(rec.service);
    const spec = this.longrun(rec.service);
    this.reaper.endGroup(group, spec && spec.timeoutKill > 0 ? spec.timeoutKill : LEFTOVER_GRACE_MS);
  }
}
