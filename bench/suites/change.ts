/**
 * The change suite (issue 4): for chain, fan-out and random DAG shapes of 10
 * to 3000 services, `s6rc -n0 change` (dry run) wall time; a real `change` up
 * and `-da change` down with `/bin/true` oneshots and with readiness-notifying
 * longruns, next to the plain-Node spawn-and-ready baseline of the same run;
 * and a change of 10 independent `/bin/true` oneshots.
 *
 * Engine overhead per transition = (change − node -e 0 − baseline) / transitions.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSource, LONGRUN_RUN, shapeDependencies, type Shape } from '../generate.js';
import { BENCH_ENV, startLive, type Live } from '../live.js';
import { median, nodeOnce, s6rcTime, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';
import { spawnBaseline } from './changeBaseline.js';

const SHAPES: Shape[] = ['chain', 'fanout', 'dag'];
const DRY_TARGET = 4;
const OVERHEAD_TARGET_MS = 0.5;
const INDEPENDENT_TARGET = 2;

const rc = (live: string, ...args: string[]) => s6rcTime(['-l', live, ...args], { env: BENCH_ENV });

function ratioRow(caseName: string, ms: number, node: number, target: number): Row {
  const ratio = ms / node;
  return { suite: 'change', case: caseName, median: ms, vsNode: ratio, target: `< ${target}×`, note: `${ratio < target ? 'ok' : 'MISSED'} (node -e 0: ${node.toFixed(1)} ms)` };
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-change-'));
  const rows: Row[] = [];
  const runScript = join(root, 'run.sh');
  writeFileSync(runScript, LONGRUN_RUN);
  chmodSync(runScript, 0o755);
  const lives: Live[] = [];
  try {
    rows.push(...independentOneshots(root, lives, ctx));
    const sizes = ctx.quick ? [10, 100] : [10, 100, 1000, 3000];
    for (const count of sizes) {
      for (const shape of SHAPES) {
        const deps = shapeDependencies(shape, count, 42);
        for (const kind of ['oneshot', 'longrun'] as const) {
          const name = `${shape}-${count}-${kind}`;
          const source = join(root, name);
          generateSource(source, { shape, count, kind, seed: 42 });
          const live = startLive(root, name, source);
          lives.push(live);
          const runs = ctx.quick ? 2 : count >= 1000 ? 3 : 5;
          if (kind === 'oneshot') {
            const node: number[] = [];
            const dry: number[] = [];
            for (let i = 0; i < runs + 2; i++) {
              node.push(nodeOnce());
              dry.push(rc(live.live, '-n0', 'change', 'all'));
            }
            rows.push(ratioRow(`dry run -n0 ${shape} ${count}`, median(dry), median(node), DRY_TARGET));
          }
          const up: number[] = [];
          const down: number[] = [];
          const base: number[] = [];
          const node: number[] = [];
          for (let i = 0; i < runs; i++) {
            node.push(nodeOnce());
            base.push(await spawnBaseline(deps, kind, runScript));
            up.push(rc(live.live, 'change', 'all'));
            down.push(rc(live.live, '-da', 'change'));
          }
          const n = median(node);
          const b = median(base);
          for (const [what, times] of [['up', up], ['-da down', down]] as const) {
            const m = median(times);
            const perTransition = (m - n - b) / count;
            rows.push({
              suite: 'change',
              case: `${what} ${shape} ${count} ${kind}s`,
              median: m,
              vsNode: m / n,
              target: `< ${OVERHEAD_TARGET_MS} ms/transition`,
              note: `${perTransition < OVERHEAD_TARGET_MS ? 'ok' : 'MISSED'}: engine ${perTransition.toFixed(3)} ms/transition over plain-Node spawn baseline ${b.toFixed(1)} ms`,
            });
          }
          live.stop();
          lives.pop();
          rmSync(source, { recursive: true, force: true });
        }
      }
    }
  } finally {
    for (const l of lives) l.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

/** `change` of 10 independent `/bin/true` oneshots, against a bare `node -e 0`. */
function independentOneshots(root: string, lives: Live[], ctx: BenchContext): Row[] {
  const source = join(root, 'independent');
  const names = Array.from({ length: 10 }, (_, i) => `t${i}`);
  for (const name of names) {
    mkdirSync(join(source, name), { recursive: true });
    writeFileSync(join(source, name, 'type'), 'oneshot\n');
    writeFileSync(join(source, name, 'up'), '/bin/true\n');
  }
  const live = startLive(root, 'independent', source);
  lives.push(live);
  const node: number[] = [];
  const up: number[] = [];
  for (let i = 0; i < (ctx.quick ? 3 : 11); i++) {
    node.push(nodeOnce());
    up.push(rc(live.live, 'change', ...names));
    rc(live.live, '-da', 'change');
  }
  live.stop();
  lives.pop();
  return [ratioRow('change: 10 independent /bin/true oneshots', median(up), median(node), INDEPENDENT_TARGET)];
}
