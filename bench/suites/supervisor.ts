/**
 * The supervisor suite: RSS with 10/100/1000 readiness-notifying longruns,
 * time from one "bring all up" request to all ready for 100 and 1000
 * independent longruns next to a plain-Node baseline measured in the same
 * run (spawn the same number of `sh -c 'echo >&3; exec sleep'` children with
 * a pipe on fd 3 and read a newline from each), 10,000 longruns up, and the
 * cold start of the thin clients (status, wait, svc) against `node -e 0`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLongruns } from '../generate.js';
import { bringAllUp, killLive, s6rcOk } from '../live.js';
import { median, nodeOnce, S6RC, timeProcess, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const RSS_TARGET_MIB = 120;
const UP_TARGET = 1.5;
const CLIENT_TARGET = 1.3;

interface Live {
  root: string;
  live: string;
  pid: number;
}

/** `count` independent longruns that notify readiness on fd 3, compiled and initialised. */
function initLive(count: number): Live {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-sup-'));
  const src = join(root, 'src');
  writeLongruns(src, allNames(count));
  const live = join(root, 'live');
  s6rcOk(['compile', join(root, 'compiled'), src]);
  s6rcOk(['init', '-c', join(root, 'compiled'), '-l', live]);
  return { root, live, pid: Number(readFileSync(join(live, 'pid'), 'utf8')) };
}

/** Kills the supervisor and every process working in the live directory, by pid, then removes it all. */
function teardown(l: Live): void {
  killLive(l.live, l.pid);
  rmSync(l.root, { recursive: true, force: true });
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const allNames = (count: number) => Array.from({ length: count }, (_, i) => `s${String(i).padStart(5, '0')}`);

/** Plain Node: spawn `count` shells that write a newline on fd 3 then exec sleep; ms until every newline arrived. */
async function baseline(count: number): Promise<number> {
  const children: ChildProcess[] = [];
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let left = count;
    for (let i = 0; i < count; i++) {
      const child = spawn('/bin/sh', ['-c', 'echo >&3; exec sleep 1000'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
      children.push(child);
      const fd3 = child.stdio[3]!;
      fd3.once('data', () => {
        fd3.destroy();
        if (--left === 0) resolve();
      });
    }
  });
  const ms = performance.now() - t0;
  for (const c of children) if (c.pid) process.kill(c.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  return ms;
}

/** Cold start of a thin client, alternated with `node -e 0`. */
function clientStart(args: string[], runs: number): { median: number; node: number } {
  const xs: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(nodeOnce());
    xs.push(timeProcess(process.execPath, [S6RC, ...args]));
  }
  return { median: median(xs), node: median(base) };
}

function clientRows(live: string, runs: number): Row[] {
  const rows: Row[] = [];
  for (const [name, args] of [
    ['status', ['status', '-l', live, 's00000']],
    ['wait', ['wait', '-l', live, '-U', 's00000']],
    ['svc', ['svc', '--livedir', live, '-u', 's00000']],
  ] as const) {
    const m = clientStart([...args], runs);
    const ratio = m.median / m.node;
    rows.push({
      suite: 'supervisor',
      case: `cold start: ${name}`,
      median: m.median,
      vsNode: ratio,
      target: `< ${CLIENT_TARGET}×`,
      note: `${ratio < CLIENT_TARGET ? 'ok' : 'MISSED'} (node -e 0: ${m.node.toFixed(1)} ms)`,
    });
  }
  return rows;
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes = ctx.quick ? [10, 100] : [10, 100, 1000];
  for (const n of sizes) {
    // Spawning dominates and the machine is shared: alternate ours and the baseline, keep medians.
    const rounds = n >= 1000 ? 2 : 3;
    const ours: number[] = [];
    const base: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const l = initLive(n);
      try {
        const idle = rssMiB(l.pid);
        ours.push(await bringAllUp(l.live, allNames(n)));
        if (round === 0) {
          await new Promise((r) => setTimeout(r, 500));
          const rss = rssMiB(l.pid);
          rows.push({
            suite: 'supervisor',
            case: `RSS, ${n} ready longruns`,
            median: rss,
            unit: 'MiB',
            target: n === 1000 ? `< ${RSS_TARGET_MIB} MiB` : undefined,
            note: `${n === 1000 ? (rss < RSS_TARGET_MIB ? 'ok; ' : 'MISSED; ') : ''}idle with ${n} down: ${idle.toFixed(1)} MiB`,
          });
          if (n === 10) rows.push(...clientRows(l.live, ctx.quick ? 5 : 11));
        }
      } finally {
        teardown(l);
      }
      if (n >= 100) base.push(await baseline(n));
    }
    if (n >= 100) {
      const ms = median(ours);
      const b = median(base);
      const ratio = ms / b;
      rows.push({
        suite: 'supervisor',
        case: `${n} longruns: one up request → all ready`,
        median: ms,
        target: `< ${UP_TARGET}× baseline`,
        note: `${ratio < UP_TARGET ? 'ok' : 'MISSED'}: ${ratio.toFixed(2)}× plain-Node spawn+readiness of ${n} (${b.toFixed(0)} ms; runs ${ours.map((x) => x.toFixed(0)).join('/')} vs ${base.map((x) => x.toFixed(0)).join('/')})`,
      });
    }
  }
  if (!ctx.quick) {
    const n = 10_000;
    const l = initLive(n);
    try {
      const ms = await bringAllUp(l.live, allNames(n));
      rows.push({ suite: 'supervisor', case: `${n} longruns: one up request → all ready`, median: ms, note: `supervisor RSS ${rssMiB(l.pid).toFixed(1)} MiB` });
    } finally {
      teardown(l);
    }
  }
  return rows;
}
