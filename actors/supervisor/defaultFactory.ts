import type { CompiledModel } from '../../machines/model.js';
import { createServiceActor } from '../service/createServiceActor.js';
import type { ServiceActorOptions } from '../service/options.js';
import { openPipelines, type PipelineFds } from './pipelines.js';
import type { ServiceFactory } from './serviceFactory.js';

/** The real service actors of actors/service/, adapted to the supervisor's ServiceSpec. */
export const defaultServiceFactory: ServiceFactory = (spec) => {
  const restore: ServiceActorOptions['restore'] = spec.restore
    ? { snapshot: spec.restore as NonNullable<ServiceActorOptions['restore']>['snapshot'], adopt: spec.adopt }
    : undefined;
  const { service, dir, restore: _restore, adopt: _adopt, ...shared } = spec;
  return createServiceActor({ ...shared, spec: service, serviceDir: dir, restore });
};

/** Opens every pipeline's pipe under `<live>/pipes/`, reopening surviving FIFOs when recovering. */
export function defaultPipelines(dir: string): (model: CompiledModel, reuse: boolean) => PipelineFds {
  return (model, reuse) => openPipelines(model, dir, reuse);
}
