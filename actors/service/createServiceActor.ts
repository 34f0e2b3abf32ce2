import { createLongrunActor } from './longrun.js';
import { createOneshotActor } from './oneshot.js';
import type { ServiceActorOptions } from './options.js';
import type { ServiceHandle } from './types.js';

export type { ServiceActorOptions } from './options.js';
export { readProcessStartTime } from './procStartTime.js';
export { createPipe } from './pipes.js';

/**
 * Creates one independent service actor (one `createActor` per service,
 * never children of a shared parent: that is quadratic in XState).
 *
 * @example
 * const svc = createServiceActor({ spec, serviceDir: '/run/s6rc/servicedirs/web', sink: (records) => log.push(...records) });
 * svc.up(); svc.status$.subscribe((s) => s.state === 'ready' && console.log('ready'));
 */
export function createServiceActor(options: ServiceActorOptions): ServiceHandle {
  return options.spec.type === 'longrun'
    ? createLongrunActor(options.spec, options)
    : createOneshotActor(options.spec, options);
}
