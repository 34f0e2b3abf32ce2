/**
 * Names on the command line → the selection (a set of atomic services).
 */
import type { CompiledModel } from '../model.js';

/** An argument that names no service; the CLI reports it with exit 3 before anything changes. */
export class UnknownServiceError extends Error {
  constructor(readonly names: string[]) {
    super(`unknown service name${names.length > 1 ? 's' : ''}: ${names.join(', ')}`);
    this.name = 'UnknownServiceError';
  }
}

/**
 * Resolves atomics and bundles into the set of atomics they stand for.
 *
 * @example
 *   resolveSelection(model, ['webstack', 'cron']) // → Set { 'api', 'db', 'migrate', 'cron' }
 * @throws UnknownServiceError listing every unknown name.
 */
export function resolveSelection(model: CompiledModel, names: readonly string[]): Set<string> {
  const selection = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    const service = model.services.get(name);
    if (!service) unknown.push(name);
    else if (service.type === 'bundle') for (const a of service.atomics) selection.add(a);
    else selection.add(name);
  }
  if (unknown.length) throw new UnknownServiceError(unknown);
  return selection;
}
