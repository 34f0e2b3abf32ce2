import type { ServiceEventRecord } from '../../actors/service/types.js';
import { createFolder } from '../../machines/replay/fold.js';
import type { Atomic } from '../../machines/model.js';

/**
 * Folds an actor's logged records with replay's own folder (machines/replay/fold.ts),
 * as `s6rc replay` would fold them from the log: the state after each record, and the last snapshot.
 */
export function fold(spec: Atomic, since: number, records: ServiceEventRecord[]) {
  const folder = createFolder({ services: new Map([[spec.name, spec]]), atomics: [spec.name], dependents: new Map(), pipelines: [] }, new Map([[1, since]]));
  const states: string[] = [];
  records.forEach((r, i) => {
    folder.apply({ seq: i + 1, time: r.time, boot: 1, service: spec.name, type: r.type, payload: r.payload });
    states.push(folder.state().services[spec.name].value);
  });
  const last = folder.state().services[spec.name];
  return { snapshot: { value: last.value, context: last.context }, states };
}
