/** Loads one change's timeline and critical chain, for `plot` and `history --critical-chain`. */
import { existsSync } from 'node:fs';
import type { CompiledModel } from '../../machines/model.js';
import type { EventLogReader } from '../../store/events/types.js';
import { EXIT, Fatal } from '../fatal.js';
import { buildTimeline, criticalChain, type Bar, type Timeline } from './timeline.js';

/**
 * The timeline of change `id` (default: the last one). Prerequisites for the
 * critical chain come from the live directory's compiled database; without
 * one the chain is just the transition that ended last.
 */
export async function loadChangeTimeline(log: EventLogReader, live: string, id?: number): Promise<{ timeline: Timeline; chain: Bar[] }> {
  const changeId = id ?? log.lastChangeId();
  if (changeId === null) throw new Fatal(EXIT.failed, 'no change recorded in the event log yet');
  if (!log.changes({ id: changeId }).length) throw new Fatal(EXIT.failed, `no change ${changeId} in the event log`);
  const timeline = buildTimeline(changeId, log.history({ changeId }));
  return { timeline, chain: criticalChain(timeline, prerequisitesIn(await tryModel(live))) };
}

/** What a transition waits for in `model`: its dependencies going up, its dependents going down (nothing without a model). */
export function prerequisitesIn(model: CompiledModel | null): (service: string, direction: 'up' | 'down') => readonly string[] {
  return (service, direction) => {
    if (!model) return [];
    if (direction === 'down') return model.dependents.get(service) ?? [];
    const s = model.services.get(service);
    return s && s.type !== 'bundle' ? s.dependencies : [];
  };
}

async function tryModel(live: string): Promise<CompiledModel | null> {
  const { liveCompiledPath, loadModel } = await import('./loadModel.js');
  const path = liveCompiledPath(live);
  if (!existsSync(path)) return null;
  try {
    return await loadModel(path);
  } catch {
    return null;
  }
}
