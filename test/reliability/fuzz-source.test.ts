/**
 * Fuzzing `s6rc compile` (issue 13): generated source trees, valid and not
 * (sourceArbitraries.ts), each compiled by the real CLI. Either it exits 0
 * and `s6rc db check` accepts what it wrote, or it exits 1 with exactly one
 * `s6rc compile: fatal: <what> in <path>` line (SPEC §1) and leaves nothing
 * in the output directory. Never a stack trace, never another exit code,
 * never a hang (a compile that runs past its timeout fails the property).
 * A compile onto an existing path exits 111 and leaves it byte for byte.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { s6rc, tempDir } from '../helpers/cli.js';
import { budget, timeout } from './budget.js';
import { bigGraphArb, sourceTreeArb, writeFuzzTree, type FuzzTree } from './sourceArbitraries.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** How long one compile may take before it counts as hung (generous: the machine is shared). */
const COMPILE_LIMIT = 30_000;

/** The one line a failed compile may print (SPEC §1); the path may hold any character but a newline. */
const FATAL_LINE = /^s6rc compile: fatal: [^\n]+ in [^\n]+\n$/;
/** What a successful compile may say besides nothing: warnings (and, with -v2, info). */
const WARNING_LINE = /^s6rc compile: warning: [^\n]+$/;

/** Compiles `tree` and checks the contract; returns the exit code so callers can count outcomes. */
function compileAndCheck(tree: FuzzTree): number | null {
  const t = tempDir('s6rc-fuzz-src-');
  try {
    const source = join(t.dir, 'source');
    const out = join(t.dir, 'out');
    mkdirSync(out);
    writeFuzzTree(source, tree);
    const compiled = join(out, 'compiled');
    const r = s6rc(['compile', compiled, source], { timeout: COMPILE_LIMIT, maxBuffer: 16 * 1024 * 1024 });
    const said = `exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 2000))}`;
    expect(r.stderr, said).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout, said).toBe('');
    if (r.code === 0) {
      for (const line of r.stderr.split('\n').filter(Boolean)) expect(line, said).toMatch(WARNING_LINE);
      expect(readdirSync(out), said).toEqual(['compiled']);
      const check = s6rc(['db', '-c', compiled, 'check'], { timeout: COMPILE_LIMIT });
      expect({ code: check.code, stderr: check.stderr }, `db check after ${said}`).toEqual({ code: 0, stderr: '' });
    } else {
      // null: killed at the time limit (a hang); anything but 1 is a wrong exit code.
      expect(r.code, said).toBe(1);
      expect(r.stderr, said).toMatch(FATAL_LINE);
      expect(readdirSync(out), `${said}: output left behind`).toEqual([]);
    }
    return r.code;
  } finally {
    t.cleanup();
  }
}

describe('fuzz: s6rc compile on generated source trees', () => {
  it(
    'compiles a valid database or says one fatal line with exit 1, leaving nothing behind',
    () => {
      const { seed, numRuns } = budget('fuzz-source', { short: 40, long: 3000 });
      const outcomes = new Map<number | null, number>();
      fc.assert(
        fc.property(sourceTreeArb, (tree) => {
          const code = compileAndCheck(tree);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        }),
        { seed, numRuns, endOnFailure: true },
      );
      process.stdout.write(`reliability fuzz-source: outcomes by exit code ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
      // A generator that never produces a valid tree (or never an invalid one) tests half the contract.
      if (numRuns >= 30) expect([...outcomes.keys()].sort()).toEqual([0, 1]);
    },
    timeout(180_000),
  );

  it(
    'handles deep chains, wide fan-outs and deep bundle nesting, with and without a cycle',
    () => {
      const { seed, numRuns } = budget('fuzz-source-big', { short: 3, long: 60 });
      fc.assert(
        fc.property(bigGraphArb, (tree) => {
          const cyclic = tree.some(([p, e]) => e.kind === 'file' && (p === 's0/dependencies' || p === 'b0/contents') && new TextDecoder().decode(e.content) !== 'leaf\n');
          const code = compileAndCheck(tree);
          expect(code).toBe(cyclic ? 1 : 0);
        }),
        { seed, numRuns, endOnFailure: true },
      );
    },
    timeout(180_000),
  );

  it('refuses to overwrite an existing database: exit 111, the file unchanged', () => {
    const t = tempDir('s6rc-fuzz-src-');
    cleanups.push(t.cleanup);
    const source = join(t.dir, 'source');
    writeFuzzTree(source, [['a/type', { kind: 'file', content: new TextEncoder().encode('oneshot\n'), mode: 0o644 }], ['a/up', { kind: 'file', content: new TextEncoder().encode('/bin/true\n'), mode: 0o644 }]]);
    const compiled = join(t.dir, 'compiled');
    writeFileSync(compiled, 'precious\n');
    const r = s6rc(['compile', compiled, source]);
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^s6rc compile: fatal: [^\n]+\n$/);
    expect(readFileSync(compiled, 'utf8')).toBe('precious\n');
    expect(readdirSync(t.dir).sort()).toEqual(['compiled', 'source']); // no temporary file left beside it
  });
});
