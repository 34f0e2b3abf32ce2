/**
 * `s6rc db check`: everything `loadCompiled` verifies, plus SQLite's own
 * integrity check, every file's sha256, and the graph's invariants (no
 * dependency cycle, bundles resolved to exactly their contents' atomics,
 * pipelines made of longruns whose producer-for agree). Throws `Fatal` 4.
 */
import { createHash } from 'node:crypto';
import { Fatal } from '../../machines/errors.js';
import { buildModel } from './loadCompiled.js';
import type { CompiledModel } from '../../machines/model.js';
import { invalidDatabase, openCompiled } from './openCompiled.js';

export function checkCompiled(path: string): CompiledModel {
  const { db, rows } = openCompiled(path);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw invalidDatabase(path, `SQLite integrity check: ${integrity}`);
    const contents = db.prepare('SELECT content FROM files ORDER BY service_id, path').pluck().all() as Buffer[];
    rows.files.forEach(([, p, , , sha], i) => {
      if (createHash('sha256').update(contents[i]).digest('hex') !== sha) throw invalidDatabase(path, `content of service file ${p} does not match its sha256`);
    });
    const model = buildModel(rows, contents);
    const problem = graphProblem(model);
    if (problem) throw invalidDatabase(path, problem);
    return model;
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw invalidDatabase(path, (err as Error).message);
  } finally {
    db.close();
  }
}

/** The first broken invariant of a model, or null. */
export function graphProblem(model: CompiledModel): string | null {
  const { services } = model;
  const problem = bundleProblem(services);
  if (problem) return problem;
  // Kahn's algorithm: atomics left over sit on a dependency cycle.
  const pending = new Map<string, number>();
  for (const a of model.atomics) pending.set(a, (services.get(a) as { dependencies: string[] }).dependencies.length);
  const ready = model.atomics.filter((a) => pending.get(a) === 0);
  let done = 0;
  while (ready.length) {
    const a = ready.pop()!;
    done++;
    for (const d of model.dependents.get(a) ?? []) {
      const left = pending.get(d)! - 1;
      pending.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (done !== model.atomics.length) return `dependency cycle among ${[...pending].filter(([, n]) => n > 0).map(([a]) => a).join(', ')}`;
  for (const p of model.pipelines) {
    for (let i = 0; i < p.members.length; i++) {
      const m = services.get(p.members[i]);
      if (m?.type !== 'longrun') return `pipeline member ${p.members[i]} is not a longrun`;
      const last = i === p.members.length - 1;
      if (last !== (m.producerFor === null)) return `pipeline ${p.name ?? p.members.join(' | ')} is inconsistent at ${m.name}`;
    }
  }
  return null;
}

/**
 * Bundles nest without a cycle, and each holds exactly the union of its
 * direct members' atomics (an atomic stands for itself, a bundle for its own
 * stored list). By induction over the nesting, every bundle then holds
 * exactly what its contents resolve to; checked one level at a time, so
 * bundles nested thousands deep cost no recursion and no repeated walks.
 */
function bundleProblem(services: CompiledModel['services']): string | null {
  const containers = new Map<string, string[]>();
  const nestedLeft = new Map<string, number>();
  for (const s of services.values()) {
    if (s.type !== 'bundle') continue;
    let nested = 0;
    for (const c of s.contents) {
      const m = services.get(c);
      if (!m) return `bundle ${s.name} contains unknown service ${c}`;
      if (m.type !== 'bundle') continue;
      nested++;
      const list = containers.get(c);
      if (list) list.push(s.name);
      else containers.set(c, [s.name]);
    }
    nestedLeft.set(s.name, nested);
    const expected = new Set<string>();
    for (const c of s.contents) {
      const m = services.get(c)!;
      if (m.type === 'bundle') for (const a of m.atomics) expected.add(a);
      else expected.add(m.name);
    }
    if (expected.size !== s.atomics.length || s.atomics.some((a) => !expected.has(a))) return `bundle ${s.name} does not resolve to the atomics of its contents`;
  }
  // Kahn's algorithm over "contains": bundles left over sit on a cycle.
  const ready = [...nestedLeft].filter(([, n]) => n === 0).map(([name]) => name);
  let done = 0;
  while (ready.length) {
    const b = ready.pop()!;
    done++;
    for (const outer of containers.get(b) ?? []) {
      const left = nestedLeft.get(outer)! - 1;
      nestedLeft.set(outer, left);
      if (left === 0) ready.push(outer);
    }
  }
  if (done !== nestedLeft.size) return `bundle cycle through ${[...nestedLeft].find(([, n]) => n > 0)![0]}`;
  return null;
}
