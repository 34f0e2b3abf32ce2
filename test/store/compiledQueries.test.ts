import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSource } from '../../bench/generate.js';
import { CompiledQueries } from '../../store/compiled/compiledQueries.js';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import type { CompiledModel } from '../../machines/model.js';
import { writeCompiled } from '../../store/compiled/writeCompiled.js';
import { compileSources } from '../../store/source/compileSources.js';
import { scratch } from '../helpers/sourceTree.js';

/** The closure computed on the in-memory model, the reference for the SQL one. */
function closure(model: CompiledModel, names: string[], direction: 'up' | 'down'): string[] {
  const seen = new Set<string>();
  const stack = names.flatMap((n) => {
    const s = model.services.get(n)!;
    return s.type === 'bundle' ? s.atomics : [n];
  });
  while (stack.length) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    const s = model.services.get(a) as { dependencies: string[] };
    stack.push(...(direction === 'up' ? s.dependencies : model.dependents.get(a)!));
  }
  return [...seen].sort();
}

describe('CompiledQueries agree with the loaded model on a random DAG', () => {
  let cleanup: () => void;
  let model: CompiledModel;
  let db: Database.Database;
  let q: CompiledQueries;

  beforeAll(() => {
    let dir: string;
    ({ dir, cleanup } = scratch());
    generateSource(join(dir, 'src'), { shape: 'dag', count: 300, kind: 'oneshot', seed: 11 });
    writeCompiled(compileSources([join(dir, 'src')]), join(dir, 'compiled'));
    model = loadCompiled(join(dir, 'compiled'));
    db = new Database(join(dir, 'compiled'), { readonly: true });
    q = new CompiledQueries(db);
  });
  afterAll(() => {
    db?.close();
    cleanup();
  });

  const pick = (i: number) => `s${String((i * 37) % 300).padStart(4, '0')}`;

  it('all-dependencies, up and down, for single services and sets', () => {
    for (let i = 0; i < 25; i++) {
      const names = i % 5 === 0 ? [pick(i), pick(i + 1), pick(i + 2)] : [pick(i)];
      const ids = names.map((n) => q.service(n)!.id);
      expect(q.allDependencies(ids, 'up')).toEqual(closure(model, names, 'up'));
      expect(q.allDependencies(ids, 'down')).toEqual(closure(model, names, 'down'));
    }
  });

  it('direct dependencies and dependents', () => {
    for (let i = 0; i < 25; i++) {
      const name = pick(i);
      const id = q.service(name)!.id;
      expect(q.dependencies([id], 'up')).toEqual((model.services.get(name) as { dependencies: string[] }).dependencies);
      expect(q.dependencies([id], 'down')).toEqual(model.dependents.get(name));
    }
  });

  it('bundles: contents, union of direct dependencies, closure', () => {
    const all = q.service('all')!;
    expect(all.type).toBe('bundle');
    expect(q.atomics([all.id])).toEqual(model.atomics);
    expect(q.allDependencies([all.id], 'up')).toEqual(model.atomics);
    expect(q.list('services')).toEqual(model.atomics);
    expect(q.list('bundles')).toEqual(['all']);
  });

  it('unknown names and commands', () => {
    expect(q.service('nope')).toBeUndefined();
    const id = q.service('s0000')!.id;
    expect(q.command(id, 'up')).toEqual({ kind: 'argv', argv: ['/bin/true'] });
    expect(q.command(id, 'down')).toEqual({ kind: 'argv', argv: ['/bin/true'] });
    // In no pipeline: no links (the CLI prints the name itself).
    expect(q.pipeline(id)).toEqual([]);
  });
});
