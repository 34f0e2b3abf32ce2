import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Atomic, CompiledModel, Longrun } from '../../machines/model.js';
import { parseConversions, planUpdate, sameDefinition, UpdateError, type Conversion } from '../../machines/plan/update.js';
import { buildModel, type AtomicSpec } from './fixtures.js';
import { graphArb, withDependencies } from './generators.js';

// db ← migrate ← api ; db ← cache (essential) ; log
const old = buildModel({
  db: { type: 'longrun' },
  migrate: { deps: ['db'] },
  api: { deps: ['migrate'], type: 'longrun' },
  cache: { deps: ['db'], type: 'longrun', essential: true },
  log: { type: 'longrun' },
});
const allUp = new Set(old.atomics);

const plan = (next: CompiledModel, conversions: Record<string, Conversion> = {}, live: Set<string> = allUp, forceEssentials = true) =>
  planUpdate({ old, next, live, conversions: new Map(Object.entries(conversions)), forceEssentials });
const stops = (p: ReturnType<typeof plan>) => Object.fromEntries([...p.stop].sort());

describe('planUpdate', () => {
  it('an identical database restarts nothing and keeps everything', () => {
    const p = plan(old);
    expect(p.stop.size).toBe(0);
    expect(p.start).toEqual([]);
    expect([...p.kept.keys()].sort()).toEqual([...old.atomics].sort());
  });

  it('a type change restarts the service and what depends on it (old database), and they come back', () => {
    const next = buildModel({
      db: { type: 'longrun' },
      migrate: { deps: ['db'], type: 'longrun' }, // was a oneshot
      api: { deps: ['migrate'], type: 'longrun' },
      cache: { deps: ['db'], type: 'longrun', essential: true },
      log: { type: 'longrun' },
    });
    const p = plan(next);
    expect(stops(p)).toEqual({ api: 'dependent', migrate: 'type' });
    expect(p.start).toEqual(['api', 'migrate']);
    expect([...p.kept.keys()].sort()).toEqual(['cache', 'db', 'log']);
  });

  it('a service gone is stopped and not started; a new service stays down', () => {
    const next = buildModel({
      db: { type: 'longrun' },
      migrate: { deps: ['db'] },
      api: { deps: ['migrate'], type: 'longrun' },
      cache: { deps: ['db'], type: 'longrun', essential: true },
      metrics: { type: 'longrun' },
    });
    const p = plan(next);
    expect(stops(p)).toEqual({ log: 'gone' });
    expect(p.start).toEqual([]);
    expect(p.identity.get('log')).toBeNull();
  });

  it('a kept service that now depends on a new or down service restarts', () => {
    const next = buildModel({
      db: { type: 'longrun' },
      migrate: { deps: ['db'] },
      api: { deps: ['migrate', 'auth'], type: 'longrun' },
      auth: { type: 'longrun' },
      cache: { deps: ['db'], type: 'longrun', essential: true },
      log: { type: 'longrun' },
    });
    expect(stops(plan(next))).toEqual({ api: 'dependency' });
    // log was down: a service that now depends on it restarts too.
    const next2 = buildModel({ ...specOf(old), migrate: { deps: ['db', 'log'] } });
    const live = new Set(['db', 'migrate', 'api']);
    const p = plan(next2, {}, live);
    expect(stops(p)).toEqual({ api: 'dependency', migrate: 'dependency' });
    expect(p.start).toEqual(['api', 'migrate']);
  });

  it('a rename keeps the service running under its new name unless restart is given', () => {
    const next = buildModel({ ...specOf(old, ['log']), journal: { type: 'longrun' } });
    const kept = plan(next, { log: { rename: 'journal', restart: false } });
    expect(kept.stop.size).toBe(0);
    expect(kept.kept.get('log')).toBe('journal');
    const restarted = plan(next, { log: { rename: 'journal', restart: true } });
    expect(stops(restarted)).toEqual({ log: 'restart' });
    expect(restarted.start).toEqual(['journal']);
  });

  it('without -e an essential service is kept, with what it depends on, unless it is gone or changes type', () => {
    const p = plan(old, { db: { restart: true } }, allUp, false);
    expect(p.essentialKept).toEqual(['cache']);
    expect(stops(p)).toEqual({ api: 'dependent', migrate: 'dependent' });
    expect(p.kept.has('db') && p.kept.has('cache')).toBe(true);
    const gone = buildModel(specOf(old, ['cache']));
    expect(stops(plan(gone, {}, allUp, false))).toEqual({ cache: 'gone' });
  });

  it('an atomic that became a bundle is replaced by the bundle (started after the switch)', () => {
    const next = buildModel({ ...specOf(old, ['log']), 'log-a': { type: 'longrun' }, 'log-b': { type: 'oneshot' } }, { log: ['log-a', 'log-b'] });
    const p = plan(next);
    expect(stops(p)).toEqual({ log: 'type' });
    expect(p.start).toEqual(['log']);
  });
});

describe('parseConversions', () => {
  const next = buildModel({ ...specOf(old, ['log']), journal: { type: 'longrun' } }, { everything: ['db', 'api'] });
  const fails = (lines: string[][], code: number) => {
    let error: unknown;
    try {
      parseConversions(lines, old, next);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UpdateError);
    expect((error as UpdateError).exitCode).toBe(code);
  };

  it('reads renames and restarts', () => {
    const c = parseConversions([['log', '->', 'journal'], ['api', 'restart'], ['db', '->', 'everything', 'restart'], []], old, next);
    expect(Object.fromEntries(c)).toEqual({ log: { rename: 'journal', restart: false }, api: { restart: true }, db: { rename: 'everything', restart: true } });
  });

  it('refuses what s6-rc-update refuses, with its exit codes', () => {
    fails([['nope', 'restart']], 3);
    fails([['log', '->', 'nowhere']], 4);
    fails([['log', 'restart'], ['log', '->', 'journal']], 6);
    fails([['log', '->', 'journal'], ['api', '->', 'journal']], 6);
    fails([['log', '->', 'db']], 6);
    fails([['log', 'restart', 'now']], 100);
    fails([['log', '->']], 100);
  });
});

/** The spec buildModel took for `model`, minus `drop`. */
function specOf(model: CompiledModel, drop: string[] = []): Record<string, AtomicSpec> {
  const out: Record<string, AtomicSpec> = {};
  for (const name of model.atomics) {
    if (drop.includes(name)) continue;
    const s = model.services.get(name)!;
    if (s.type === 'bundle') continue;
    out[name] = { deps: s.dependencies.filter((d) => !drop.includes(d)), type: s.type, essential: s.essential };
  }
  return out;
}

/** A random new database derived from `old`: services kept, renamed, removed, retyped or made bundles, new ones, new dependencies. */
const updateArb = graphArb(10).chain((oldModel) => {
  const n = oldModel.atomics.length;
  return fc
    .record({
      fate: fc.array(fc.constantFrom('keep', 'keep', 'keep', 'rename', 'remove', 'retype', 'bundle'), { minLength: n, maxLength: n }),
      restart: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      added: fc.integer({ min: 0, max: 3 }),
      coins: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: (n + 3) ** 2, maxLength: (n + 3) ** 2 }),
      liveSeed: fc.subarray(oldModel.atomics),
    })
    .map(({ fate, restart, added, coins, liveSeed }) => {
      const newNames: string[] = [];
      const conversions = new Map<string, Conversion>();
      const bundles: Record<string, string[]> = {};
      const spec: Record<string, AtomicSpec> = {};
      oldModel.atomics.forEach((name, i) => {
        const s = oldModel.services.get(name)!;
        if (s.type === 'bundle' || fate[i] === 'remove') return;
        const target = fate[i] === 'rename' ? `r${name}` : name;
        if (fate[i] === 'rename' || restart[i]) conversions.set(name, { ...(fate[i] === 'rename' ? { rename: target } : {}), restart: restart[i] });
        if (fate[i] === 'bundle') {
          bundles[target] = [`${target}x`];
          spec[`${target}x`] = { type: 'longrun' };
          return;
        }
        newNames.push(target);
        spec[target] = { type: fate[i] === 'retype' ? (s.type === 'longrun' ? 'oneshot' : 'longrun') : s.type };
      });
      for (let j = 0; j < added; j++) {
        newNames.push(`new${j}`);
        spec[`new${j}`] = { type: 'longrun' };
      }
      // Dependencies only to earlier names: a DAG.
      newNames.forEach((name, i) => {
        spec[name].deps = newNames.slice(0, i).filter((_, j) => coins[i * newNames.length + j] < 0.3);
      });
      const next = buildModel(spec, bundles);
      return { old: oldModel, next, conversions, live: withDependencies(oldModel, liveSeed) };
    });
});

/**
 * The rules of s6-rc-update, written independently of planUpdate: a fixpoint over
 * "restarts" on the old names, then closed over the old database's dependents.
 */
function reference(oldModel: CompiledModel, next: CompiledModel, conversions: Map<string, Conversion>, live: Set<string>) {
  const target = (s: string) => conversions.get(s)?.rename ?? s;
  const upNew = new Map<string, string>(); // new name → old up name
  for (const s of live) if (next.services.has(target(s))) upNew.set(target(s), s);
  const stopped = new Set<string>();
  for (const s of live) {
    const t = target(s);
    const after = next.services.get(t);
    if (!after || after.type !== oldModel.services.get(s)!.type || conversions.get(s)?.restart) stopped.add(s);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of live) {
      if (stopped.has(s)) continue;
      const deps = (oldModel.services.get(s) as { dependencies: string[] }).dependencies;
      const after = next.services.get(target(s))!;
      const newDeps = after.type === 'bundle' ? [] : after.dependencies;
      if (deps.some((d) => stopped.has(d)) || newDeps.some((d) => !upNew.has(d) || stopped.has(upNew.get(d)!))) {
        stopped.add(s);
        changed = true;
      }
    }
  }
  return stopped;
}

describe('planUpdate on random databases (properties)', () => {
  it('stops exactly what the rules say, and leaves a consistent live state: no service up whose dependency is down', () => {
    fc.assert(
      fc.property(updateArb, ({ old: oldModel, next, conversions, live }) => {
        const p = planUpdate({ old: oldModel, next, live, conversions, forceEssentials: true });
        expect(new Set(p.stop.keys())).toEqual(reference(oldModel, next, conversions, live));
        for (const s of p.stop.keys()) expect(live.has(s)).toBe(true);
        // Every service that was up and still exists is kept or started.
        for (const [s, t] of p.identity) if (t !== null) expect(p.kept.get(s) === t || p.start.includes(t)).toBe(true);
        // After the update: the kept services plus what the final change brings up (with dependencies).
        const startAtomics = p.start.flatMap((t) => {
          const svc = next.services.get(t)!;
          return svc.type === 'bundle' ? svc.atomics : [t];
        });
        const up = new Set([...p.kept.values(), ...withDependencies(next, startAtomics)]);
        for (const u of up) {
          const svc = next.services.get(u)!;
          if (svc.type !== 'bundle') for (const d of svc.dependencies) expect(up.has(d), `${u} is up but its dependency ${d} is not`).toBe(true);
        }
        // Kept services do not change type, and no stopped service is kept.
        for (const [s, t] of p.kept) {
          expect(p.stop.has(s)).toBe(false);
          expect(next.services.get(t)!.type).toBe(oldModel.services.get(s)!.type);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('sameDefinition', () => {
  const withFiles = (files: { path: string; content: string; mode?: number }[], timeoutUp = 0) => {
    const m = buildModel({ a: { type: 'longrun' } });
    const a = m.services.get('a') as Longrun;
    return { ...a, timeoutUp, files: files.map((f) => ({ path: f.path, kind: 'file' as const, mode: f.mode ?? 0o755, content: Buffer.from(f.content) })) } as Longrun;
  };
  const run = { path: 'run', content: '#!/bin/sh\nexec sleep 1000\n' };

  it('two loads of the same definition are the same; a byte, a mode, a file or a setting more are not', () => {
    expect(sameDefinition(withFiles([run]), withFiles([run]))).toBe(true);
    expect(sameDefinition(withFiles([run]), withFiles([{ ...run, content: run.content.replace('1000', '1001') }]))).toBe(false);
    expect(sameDefinition(withFiles([run]), withFiles([{ ...run, mode: 0o644 }]))).toBe(false);
    expect(sameDefinition(withFiles([run]), withFiles([run, { path: 'data/x', content: '' }]))).toBe(false);
    expect(sameDefinition(withFiles([run]), withFiles([run], 500))).toBe(false);
    const oneshot = buildModel({ a: {} }).services.get('a') as Atomic;
    expect(sameDefinition(withFiles([run]), oneshot)).toBe(false);
    expect(sameDefinition(oneshot, buildModel({ a: {} }).services.get('a') as Atomic)).toBe(true);
  });
});
