import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeOverDependencies, closeOverDependents } from '../../machines/plan/closure.js';
import { listClosedSelection, listSelection } from '../../machines/plan/list.js';
import { planChange } from '../../machines/plan/plan.js';
import { findDiscrepancies } from '../../machines/plan/reality.js';
import { resolveSelection, UnknownServiceError } from '../../machines/plan/resolve.js';
import type { CompiledModel } from '../../machines/model.js';
import { buildModel, chainModel } from './fixtures.js';
import { scenarioArb, withDependencies } from './generators.js';

// db ← migrate ← api ; db ← cache ; log (independent); essential: cache
const model = buildModel(
  {
    db: { type: 'longrun' },
    migrate: { deps: ['db'] },
    api: { deps: ['migrate'], type: 'longrun' },
    cache: { deps: ['db'], type: 'longrun', essential: true },
    log: { type: 'longrun' },
  },
  { web: ['api', 'log'], everything: ['web', 'cache'] },
);

const plan = (live: string[], names: string[], direction: 'up' | 'down' | 'DOWN' = 'up', extra: { all?: boolean; prune?: boolean } = {}) => {
  const p = planChange(model, new Set(live), { names, direction, all: !!extra.all, prune: !!extra.prune });
  return {
    down: p.transitions.slice(0, p.downCount).map((t) => t.service),
    up: p.transitions.slice(p.downCount).map((t) => t.service),
    essentialKept: p.essentialKept,
    plan: p,
  };
};

describe('selection', () => {
  it('resolves atomics and (nested) bundles to atomics', () => {
    expect([...resolveSelection(model, ['everything'])].sort()).toEqual(['api', 'cache', 'log']);
    expect([...resolveSelection(model, ['db', 'web'])].sort()).toEqual(['api', 'db', 'log']);
  });

  it('refuses unknown names, listing each', () => {
    expect(() => resolveSelection(model, ['db', 'nope', 'zork'])).toThrow(UnknownServiceError);
    expect(() => resolveSelection(model, ['nope'])).toThrow('unknown service name: nope');
  });

  it('list prints the selection, -d inverts it, -a adds the live set', () => {
    const live = new Set(['db', 'cache']);
    expect(listSelection(model, live, { names: ['web'], all: false, down: false })).toEqual(['api', 'log']);
    expect(listSelection(model, live, { names: [], all: true, down: false })).toEqual(['cache', 'db']);
    expect(listSelection(model, live, { names: [], all: true, down: true })).toEqual(['api', 'log', 'migrate']);
  });

  it('listall closes over dependencies, or dependents with -d', () => {
    expect(listClosedSelection(model, new Set(), { names: ['web'], all: false, down: false })).toEqual(['api', 'db', 'log', 'migrate']);
    expect(listClosedSelection(model, new Set(), { names: ['db'], all: false, down: true })).toEqual(['api', 'cache', 'db', 'migrate']);
    expect(listClosedSelection(model, new Set(['log']), { names: ['migrate'], all: true, down: false })).toEqual(['db', 'log', 'migrate']);
  });
});

describe('planChange', () => {
  it('-u brings up the closed selection minus what is already up, dependencies first', () => {
    const p = plan(['db'], ['web']);
    expect(p.down).toEqual([]);
    expect(p.up).toEqual(['api', 'log', 'migrate']);
    const id = (s: string) => p.plan.transitions.findIndex((t) => t.service === s);
    expect(p.plan.prerequisites[id('migrate')]).toBe(0); // db is already up
    expect(p.plan.prerequisites[id('api')]).toBe(1);
    expect(p.plan.successors[id('migrate')]).toEqual([id('api')]);
  });

  it('-d brings down the selection and its dependents, dependents first', () => {
    const p = plan(['db', 'migrate', 'api', 'log'], ['migrate'], 'down');
    expect(p.down).toEqual(['api', 'migrate']);
    const id = (s: string) => p.plan.transitions.findIndex((t) => t.service === s);
    expect(p.plan.prerequisites[id('migrate')]).toBe(1);
    expect(p.plan.prerequisites[id('api')]).toBe(0);
  });

  it('-d skips an essential service, and what it depends on stays up with it', () => {
    const p = plan(['db', 'migrate', 'api', 'cache'], ['db'], 'down');
    expect(p.essentialKept).toEqual(['cache']);
    expect(p.down).toEqual(['api', 'migrate']);
  });

  it('-D stops essential services too', () => {
    const p = plan(['db', 'migrate', 'api', 'cache'], ['db'], 'DOWN');
    expect(p.essentialKept).toEqual([]);
    expect(p.down).toEqual(['api', 'cache', 'db', 'migrate']);
  });

  it('-da brings down everything that is up (but essentials)', () => {
    const p = plan(['db', 'migrate', 'log'], [], 'down', { all: true });
    expect(p.down).toEqual(['log', 'migrate', 'db'].sort());
  });

  it('-pu: the unwanted go down first, then the wanted come up', () => {
    const p = plan(['db', 'log'], ['migrate'], 'up', { prune: true });
    expect(p.down).toEqual(['log']);
    expect(p.up).toEqual(['migrate']);
  });

  it('-pd: the selection and its dependents go down, everything else comes up', () => {
    const p = plan(['db', 'migrate'], ['migrate'], 'down', { prune: true });
    expect(p.down).toEqual(['migrate']);
    expect(p.up).toEqual(['cache', 'log']);
  });

  it('is linear: a chain of 3000 plans in well under a second', () => {
    const chain = chainModel(3000);
    // CPU time of this process, not wall time: load from other processes must not fail a complexity check.
    const t0 = process.cpuUsage();
    const p = planChange(chain, new Set(), { names: chain.atomics, direction: 'up', all: false, prune: false });
    expect(p.transitions).toHaveLength(3000);
    expect(cpuMs(t0)).toBeLessThan(1000);
  });
});

describe('planChange on random graphs (properties)', () => {
  const dependentsClosure = (m: CompiledModel, set: Iterable<string>) => closeOverDependents(m, set);

  it('leaves a dependency-consistent state that meets the request', () => {
    fc.assert(
      fc.property(scenarioArb(), ({ model: m, live, request }) => {
        const p = planChange(m, live, request);
        const down = new Set(p.transitions.filter((t) => t.kind === 'down').map((t) => t.service));
        const up = new Set(p.transitions.filter((t) => t.kind === 'up').map((t) => t.service));
        // Transitions only move services that need it; down ones come first.
        for (const s of down) expect(live.has(s)).toBe(true);
        for (const s of up) expect(live.has(s)).toBe(false);
        p.transitions.forEach((t, id) => expect(t.kind === 'down').toBe(id < p.downCount));
        const final = new Set([...live].filter((s) => !down.has(s)).concat([...up]));
        // Consistent: whatever is up has its dependencies up.
        expect(withDependencies(m, final)).toEqual(final);
        const selection = resolveSelection(m, request.names);
        if (request.all) live.forEach((s) => selection.add(s));
        const essentials = m.atomics.filter((s) => m.services.get(s)!.essential);
        if (request.direction === 'up') {
          for (const s of closeOverDependencies(m, selection)) expect(final.has(s)).toBe(true);
        } else {
          const keep = request.direction === 'DOWN' ? new Set<string>() : withDependencies(m, essentials.filter((e) => live.has(e) && dependentsClosure(m, selection).has(e)));
          for (const s of dependentsClosure(m, selection)) expect(final.has(s)).toBe(keep.has(s) && live.has(s));
          if (request.direction === 'down') for (const e of essentials) if (live.has(e)) expect(final.has(e)).toBe(true);
        }
        if (request.prune && request.direction === 'up') {
          // Exactly the closed selection (plus essentials kept, with their dependencies).
          const wanted = closeOverDependencies(m, selection);
          const kept = withDependencies(m, p.essentialKept);
          for (const s of final) expect(wanted.has(s) || kept.has(s)).toBe(true);
        }
        if (request.prune && request.direction !== 'up') {
          // The maximum set that does not include the selection: everything else is up.
          const excluded = dependentsClosure(m, selection);
          for (const s of m.atomics) if (!excluded.has(s)) expect(final.has(s)).toBe(true);
        }
        // Ordering data: up waits for dependencies' ups, down for dependents' downs.
        p.transitions.forEach((t, id) => {
          const svc = m.services.get(t.service)!;
          const before = t.kind === 'up' ? (svc.type !== 'bundle' ? svc.dependencies : []).filter((d) => up.has(d)) : (m.dependents.get(t.service) ?? []).filter((d) => down.has(d));
          expect(p.prerequisites[id]).toBe(before.length);
          for (const b of before) expect(p.successors[p.transitions.findIndex((x) => x.service === b)]).toContain(id);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('reality', () => {
  it('finds services whose actor disagrees with the live state', () => {
    const states: Record<string, { type: 'longrun' | 'oneshot'; state: 'ready' | 'failed' | 'down' | 'starting' }> = {
      a: { type: 'longrun', state: 'failed' },
      b: { type: 'oneshot', state: 'ready' },
      c: { type: 'longrun', state: 'starting' },
      d: { type: 'oneshot', state: 'failed' },
    };
    const found = findDiscrepancies(['a', 'b', 'c', 'd'], new Set(['a', 'c', 'd']), (n) => states[n]);
    expect(found.map((d) => [d.service, d.actualUp])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });
});

/** Milliseconds of CPU (user + system) this process used since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

describe('services in transit (an earlier change left them between states)', () => {
  const inTransit = (moving: Record<string, 'up' | 'down'>) => (name: string) => moving[name] ?? null;

  it('a down request plans a transition for a service on its way up, and for what depends on it', () => {
    const p = planChange(model, new Set(['db']), { names: ['migrate'], direction: 'down', all: false, prune: false }, inTransit({ migrate: 'up' }));
    expect(p.transitions.map((t) => `${t.kind} ${t.service}`)).toEqual(['down migrate']);
  });

  it('an up request plans a transition that waits for a service on its way down, and its dependents wait for it', () => {
    const p = planChange(model, new Set(['db', 'migrate']), { names: ['api'], direction: 'up', all: false, prune: false }, inTransit({ migrate: 'down' }));
    expect(p.transitions.map((t) => `${t.kind} ${t.service}`)).toEqual(['up api', 'up migrate']);
    // api waits for migrate's transition, which waits for nothing but its own work in flight.
    expect(p.prerequisites).toEqual([1, 0]);
  });

  it('leaves every other service planned as usual', () => {
    const settled = planChange(model, new Set(), { names: ['log'], direction: 'up', all: false, prune: false });
    const moving = planChange(model, new Set(), { names: ['log'], direction: 'up', all: false, prune: false }, inTransit({ migrate: 'up', db: 'up' }));
    expect(moving).toEqual(settled);
  });
});
