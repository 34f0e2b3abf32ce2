/**
 * The compile suite: `s6rc compile` as a whole process on generated source
 * sets (10 to 3000 longruns; chain, fan-out and random DAG), and the cold
 * start of `s6rc db -c X type S`, each next to a bare `node -e 0` timed in
 * alternation with it, so load on the machine affects both sides alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSource, type Shape } from '../generate.js';
import { median, nodeOnce, s6rcTime, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const SHAPES: Shape[] = ['chain', 'fanout', 'dag'];
const TARGETS: Record<number, number> = { 1000: 2.5, 3000: 4.5 };
const DB_TARGET = 1.5;

/** Medians of `runs` alternated timings of the subject and of `node -e 0`. */
function alternate(runs: number, subject: () => number, setup?: () => void): { median: number; node: number } {
  const xs: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(nodeOnce());
    setup?.();
    xs.push(subject());
  }
  return { median: median(xs), node: median(base) };
}

function row(caseName: string, m: { median: number; node: number }, target?: number): Row {
  const ratio = m.median / m.node;
  return {
    suite: 'compile',
    case: caseName,
    median: m.median,
    vsNode: ratio,
    target: target === undefined ? undefined : `< ${target}×`,
    note: target === undefined ? `node -e 0: ${m.node.toFixed(1)} ms` : `${ratio < target ? 'ok' : 'MISSED'} (node -e 0: ${m.node.toFixed(1)} ms)`,
  };
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-compile-'));
  const rows: Row[] = [];
  try {
    const sizes = ctx.quick ? [10, 100, 1000] : [10, 100, 1000, 3000];
    let largest = '';
    for (const count of sizes) {
      for (const shape of SHAPES) {
        const source = join(root, `${shape}-${count}`);
        generateSource(source, { shape, count, kind: 'longrun', seed: 42 });
        const out = join(root, `${shape}-${count}.compiled`);
        const runs = ctx.quick ? 3 : count >= 3000 ? 7 : 9;
        const m = alternate(runs, () => s6rcTime(['compile', out, source]), () => rmSync(out, { force: true }));
        rows.push(row(`${shape} ${count} longruns`, m, TARGETS[count]));
        if (shape === 'dag') largest = out;
      }
    }
    const m = alternate(ctx.quick ? 5 : 15, () => s6rcTime(['db', '-c', largest, 'type', 's0042']));
    rows.push(row(`db -c (dag ${sizes[sizes.length - 1]}) type S`, m, DB_TARGET));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
