/** Hand-built CompiledModel objects for planning and orchestration tests (no compile needed). */
import { longrunDefaults } from '../../store/compiled/longrunDefaults.js';
import type { Atomic, Bundle, CompiledModel, Service } from '../../machines/model.js';

export interface AtomicSpec {
  deps?: string[];
  type?: 'oneshot' | 'longrun';
  essential?: boolean;
}

/** Builds a model from `{ name: { deps, type, essential } }` plus bundles `{ name: members }`. */
export function buildModel(atomics: Record<string, AtomicSpec>, bundles: Record<string, string[]> = {}): CompiledModel {
  const services = new Map<string, Service>();
  const names = Object.keys(atomics).sort();
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const name of names) {
    const spec = atomics[name];
    const dependencies = [...(spec.deps ?? [])].sort();
    for (const d of dependencies) dependents.get(d)!.push(name);
    const base = { name, essential: !!spec.essential, timeoutUp: 0, timeoutDown: 0, dependencies };
    const service: Atomic =
      spec.type === 'longrun'
        ? {
            ...base, type: 'longrun', ...longrunDefaults(),
          }
        : { ...base, type: 'oneshot', up: { kind: 'argv', argv: ['/bin/true'] }, down: null, reload: null };
    services.set(name, service);
  }
  for (const list of dependents.values()) list.sort();
  const atomicsOf = (b: string, seen = new Set<string>()): string[] => {
    const out: string[] = [];
    for (const m of bundles[b]) {
      if (bundles[m]) {
        if (!seen.has(m)) out.push(...atomicsOf(m, new Set([...seen, m])));
      } else out.push(m);
    }
    return [...new Set(out)].sort();
  };
  for (const [name, contents] of Object.entries(bundles)) {
    const bundle: Bundle = { name, type: 'bundle', essential: false, contents: [...contents].sort(), atomics: atomicsOf(name) };
    services.set(name, bundle);
  }
  return { services, atomics: names, dependents, pipelines: [] };
}

/** A chain s0000 ← s0001 ← ... (each depends on the previous). */
export function chainModel(n: number): CompiledModel {
  const spec: Record<string, AtomicSpec> = {};
  for (let i = 0; i < n; i++) spec[name(i)] = { deps: i ? [name(i - 1)] : [] };
  return buildModel(spec);
}

export function name(i: number): string {
  return `s${String(i).padStart(4, '0')}`;
}
