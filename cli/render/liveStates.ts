/** Reads each service's state from the event log's projections, for colouring pictures. */
import { existsSync } from 'node:fs';
import type { NodeState } from './graphModel.js';

/**
 * `failed`, `starting`, `stopping`, `up-unready` come from the actor's
 * projected state; otherwise the live state says `up` or `down`.
 * Returns null when the live directory has no event log.
 */
export async function readNodeStates(storeFile: string): Promise<Map<string, NodeState> | null> {
  if (!existsSync(storeFile)) return null;
  const { openEventLog } = await import('../../store/events/open.js');
  const log = openEventLog(storeFile);
  try {
    const live = log.liveSet();
    const actors = log.actorStates();
    const out = new Map<string, NodeState>();
    for (const name of live) out.set(name, 'up');
    for (const [name, a] of actors) {
      if (a.state === 'failed' || a.state === 'starting' || a.state === 'stopping' || a.state === 'up-unready') out.set(name, a.state);
      else if (!out.has(name)) out.set(name, a.state === 'ready' ? 'up' : 'down');
    }
    return out;
  } finally {
    log.close();
  }
}
