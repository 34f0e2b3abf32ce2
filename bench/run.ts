/**
 * `npm run bench`: every suite in bench/suites/, printed as one table.
 * `npm run bench -- compile change` runs only the named suites.
 */
import { bareNode, type Row } from './measure.js';

export interface BenchContext {
  /** Median ms of a bare `node -e 0`, re-measured by each suite that needs it fresh. */
  nodeBaseline: () => number;
  /** Scale down for a quick look: S6RC_BENCH_QUICK=1. */
  quick: boolean;
}

type Suite = (ctx: BenchContext) => Promise<Row[]>;

const SUITES: Record<string, () => Promise<{ run: Suite }>> = {
  compile: () => import('./suites/compile.js'),
  change: () => import('./suites/change.js'),
  supervisor: () => import('./suites/supervisor.js'),
  history: () => import('./suites/history.js'),
  update: () => import('./suites/update.js'),
  health: () => import('./suites/health.js'),
  metrics: () => import('./suites/metrics.js'),
  startup: () => import('./suites/startup.js'),
  scale: () => import('./suites/scale.js'),
};

function format(rows: Row[]): string {
  const header = ['suite', 'case', 'median', 'vs node -e 0', 'target', 'note'];
  const body = rows.map((r) => [
    r.suite,
    r.case,
    `${r.median.toFixed(r.median < 10 ? 2 : 1)} ${r.unit ?? 'ms'}`,
    r.vsNode === undefined ? '' : `${r.vsNode.toFixed(2)}×`,
    r.target ?? '',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const ctx: BenchContext = { nodeBaseline: () => bareNode(), quick: process.env.S6RC_BENCH_QUICK === '1' };
  const rows: Row[] = [];
  const base = bareNode();
  rows.push({ suite: 'baseline', case: 'node -e 0', median: base, vsNode: 1 });
  for (const [name, load] of Object.entries(SUITES)) {
    if (wanted.length && !wanted.includes(name)) continue;
    process.stderr.write(`bench: ${name}...\n`);
    rows.push(...(await (await load()).run(ctx)));
  }
  process.stdout.write(format(rows) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench: fatal: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
