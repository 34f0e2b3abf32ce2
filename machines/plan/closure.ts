/**
 * Closures over the dependency graph, each O(V+E) in the part of the graph it reaches.
 */
import type { CompiledModel } from '../model.js';

function close(start: Iterable<string>, next: (name: string) => readonly string[] | undefined): Set<string> {
  const seen = new Set<string>(start);
  const stack = [...seen];
  while (stack.length) {
    const more = next(stack.pop()!);
    if (!more) continue;
    for (const n of more) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return seen;
}

/**
 * The selection plus everything it depends on, recursively (`listall`, `change -u`).
 *
 * @example closeOverDependencies(model, ['api']) // → Set { 'api', 'db', 'migrate' }
 */
export function closeOverDependencies(model: CompiledModel, selection: Iterable<string>): Set<string> {
  return close(selection, (name) => {
    const s = model.services.get(name);
    return s && s.type !== 'bundle' ? s.dependencies : undefined;
  });
}

/**
 * The selection plus everything that depends on it, recursively (`listall -d`, `change -d`).
 *
 * @example closeOverDependents(model, ['db']) // → Set { 'db', 'migrate', 'api' }
 */
export function closeOverDependents(model: CompiledModel, selection: Iterable<string>): Set<string> {
  return close(selection, (name) => model.dependents.get(name));
}
