/**
 * Questions asked of a loaded `CompiledModel` by `s6rc db` (and anyone else):
 * name resolution and dependency closures. Pure functions over the model.
 */
import type { CompiledModel, Service } from './model.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The atomics a service stands for: itself for an atomic, its resolved atomics for a bundle. */
export function atomicsOf(service: Service): string[] {
  return service.type === 'bundle' ? service.atomics : [service.name];
}

/** Union of the atomics of several services, sorted. */
export function resolveAtomics(model: CompiledModel, names: string[]): string[] {
  const out = new Set<string>();
  for (const n of names) for (const a of atomicsOf(model.services.get(n)!)) out.add(a);
  return [...out].sort(byName);
}

/**
 * Direct dependencies of a service (`up`) or its direct dependents (`down`);
 * for a bundle, the union over its atomics, as s6-rc-db does.
 */
export function directDependencies(model: CompiledModel, name: string, direction: 'up' | 'down'): string[] {
  const out = new Set<string>();
  for (const a of atomicsOf(model.services.get(name)!)) {
    const next = direction === 'up' ? (model.services.get(a) as { dependencies: string[] }).dependencies : model.dependents.get(a)!;
    for (const d of next) out.add(d);
  }
  return [...out].sort(byName);
}

/**
 * Every atomic needed for `names` to be up (`up`, dependencies closed over
 * recursively) or down (`down`, dependents), the services' own atomics included.
 */
export function allDependencies(model: CompiledModel, names: string[], direction: 'up' | 'down'): string[] {
  const seen = new Set<string>();
  const stack = resolveAtomics(model, names);
  while (stack.length) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    const next = direction === 'up' ? (model.services.get(a) as { dependencies: string[] }).dependencies : model.dependents.get(a)!;
    for (const d of next) if (!seen.has(d)) stack.push(d);
  }
  return [...seen].sort(byName);
}

/** The pipeline `name` belongs to, producers first; just `[name]` when it is in none. */
export function pipelineOf(model: CompiledModel, name: string): string[] {
  return model.pipelines.find((p) => p.members.includes(name))?.members ?? [name];
}
