/**
 * `compileSources(dirs)`: source directories in, `CompiledModel` out — the
 * whole of s6rc compile except writing the database.
 *
 * @example
 *   const model = compileSources(['examples/webstack']);
 *   writeCompiled(model, '/tmp/compiled');
 */
import type { CompiledModel } from '../../machines/model.js';
import { readSourceDirs, type ReadOptions } from './readSource.js';
import { resolveServices } from './resolveServices.js';

export function compileSources(sourceDirs: string[], opts: ReadOptions = {}): CompiledModel {
  const model = resolveServices(readSourceDirs(sourceDirs, opts));
  if ((opts.verbosity ?? 1) >= 2) {
    const bundles = model.services.size - model.atomics.length;
    opts.log?.('info', `resolved ${model.atomics.length} atomic services, ${bundles} bundles, ${model.pipelines.length} pipelines`);
  }
  return model;
}
