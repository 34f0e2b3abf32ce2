/** fast-check arbitraries: random dependency graphs, live states and change requests. */
import fc from 'fast-check';
import type { CompiledModel } from '../../machines/model.js';
import type { ChangeRequest, Direction } from '../../machines/plan/types.js';
import { buildModel, type AtomicSpec } from './fixtures.js';

export interface Scenario {
  model: CompiledModel;
  /** A consistent live state: every up service has its dependencies up. */
  live: Set<string>;
  request: ChangeRequest;
}

const svc = (i: number) => `s${i}`;

/** A random DAG of 1..maxN atomics (edges only to lower indices), random types and essential flags. */
export function graphArb(maxN = 12): fc.Arbitrary<CompiledModel> {
  return fc.integer({ min: 1, max: maxN }).chain((n) =>
    fc
      .tuple(
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
        fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
      )
      .map(([coins, longrun, essentialDie, density]) => {
        const spec: Record<string, AtomicSpec> = {};
        for (let i = 0; i < n; i++) {
          const deps: string[] = [];
          for (let j = 0; j < i; j++) if (coins[i][j] < density) deps.push(svc(j));
          spec[svc(i)] = { deps, type: longrun[i] ? 'longrun' : 'oneshot', essential: essentialDie[i] === 0 };
        }
        // A bundle of the first half, to exercise name resolution.
        const half = Object.keys(spec).slice(0, Math.max(1, n >> 1));
        return buildModel(spec, { half });
      }),
  );
}

/** Closes a set over dependencies, independently of the code under test. */
export function withDependencies(model: CompiledModel, set: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const visit = (s: string) => {
    if (out.has(s)) return;
    out.add(s);
    const service = model.services.get(s)!;
    if (service.type !== 'bundle') service.dependencies.forEach(visit);
  };
  for (const s of set) visit(s);
  return out;
}

export function scenarioArb(maxN = 12): fc.Arbitrary<Scenario> {
  return graphArb(maxN).chain((model) =>
    fc
      .record({
        liveSeed: fc.subarray(model.atomics),
        names: fc.subarray([...model.atomics, 'half']),
        direction: fc.constantFrom<Direction>('up', 'down', 'DOWN'),
        all: fc.boolean(),
        prune: fc.boolean(),
      })
      .map(({ liveSeed, names, direction, all, prune }) => ({
        model,
        live: withDependencies(model, liveSeed),
        request: { names, direction, all, prune },
      })),
  );
}
