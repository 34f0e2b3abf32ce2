/**
 * Bundles nested far deeper than any stack: compile's resolution
 * (resolveServices) and `db check`'s invariants (graphProblem) walk them
 * without recursion, in time linear in the nesting.
 */
import { describe, expect, it } from 'vitest';
import { graphProblem } from '../../store/compiled/checkCompiled.js';
import type { Bundle } from '../../machines/model.js';
import { resolveServices } from '../../store/source/resolveServices.js';
import type { SourceService } from '../../store/source/types.js';

const DEPTH = 100_000;

function source(name: string, type: 'oneshot' | 'bundle', contents: string[] = [], essential = false): SourceService {
  return {
    name, dir: `/src/${name}`, type, essential, contents, contentsPath: `/src/${name}/contents`, dependencies: [], dependenciesPath: `/src/${name}/dependencies`,
    timeoutUp: 0, timeoutDown: 0, ...(type === 'oneshot' ? { oneshot: { up: { kind: 'argv' as const, argv: ['true'] }, down: null, reload: null } } : {}),
  };
}

/** a, then b0 = {a}, b1 = {b0}, ...; the outermost bundle is essential. */
function nestedSources(depth: number): SourceService[] {
  const out = [source('a', 'oneshot')];
  for (let i = 0; i < depth; i++) out.push(source(`b${i}`, 'bundle', [i ? `b${i - 1}` : 'a'], i === depth - 1));
  return out;
}

describe(`bundles nested ${DEPTH} deep`, () => {
  it('compile resolves every level and propagates flag-essential down to the atomic', () => {
    const model = resolveServices(nestedSources(DEPTH));
    expect((model.services.get(`b${DEPTH - 1}`) as Bundle).atomics).toEqual(['a']);
    expect(model.services.get('a')!.essential).toBe(true);
    expect(model.services.get('b0')!.essential).toBe(true);
  });

  it('db check finds nothing wrong, and still finds what is', () => {
    const model = resolveServices(nestedSources(DEPTH));
    const t0 = Date.now();
    expect(graphProblem(model)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(5_000);
    (model.services.get('b0') as Bundle).atomics = [];
    expect(graphProblem(model)).toBe('bundle b0 does not resolve to the atomics of its contents');
    (model.services.get('b0') as Bundle).atomics = ['a'];
    (model.services.get('b0') as Bundle).contents = [`b${DEPTH - 1}`];
    expect(graphProblem(model)).toMatch(/^bundle (cycle through|b0 does not resolve)/);
  });

  it('a bundle cycle is still named from its first bundle', () => {
    const sources = [source('x', 'bundle', ['y']), source('y', 'bundle', ['z']), source('z', 'bundle', ['x'])];
    expect(() => resolveServices(sources)).toThrow('bundle cycle x -> y -> z -> x in /src/x/contents');
  });
});
