/**
 * The scale suite: N independent longruns that notify readiness on fd 3,
 * brought up by one `s6rc -u change` (the client, timed whole, returns once
 * every one is ready), against
 *
 * - the floor, measured in the same run by the native spawner (native/spawn.c)
 *   in this process: N serial `posix_spawn`s of the same run script, each
 *   waiting for its readiness newline before the next (target ≤ 1.6×);
 * - 10,000 against 1,000 (targets ≤ 10× and ≤ 10 s), both without readiness
 *   (`exec sleep`): 10,000 readiness pipes and pidfds need more than 20,000
 *   fds, the open-file limit of the VM these figures come from.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeSpawner } from '../../actors/service/posixSpawn.js';
import { LONGRUN_RUN, writeLongruns } from '../generate.js';
import { BENCH_ENV, killLive, s6rcOk } from '../live.js';
import { median, S6RC, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';

const FLOOR_TARGET = 1.6;
const TENFOLD_TARGET = 10;
const TENFOLD_LIMIT_MS = 10_000;


const nameOf = (i: number) => `s${String(i).padStart(5, '0')}`;

/** `count` independent longruns (readiness on fd 3 if `ready`), compiled; returns the compiled database. */
function compileLongruns(root: string, count: number, ready = true): string {
  const src = join(root, `src${count}${ready ? '' : '-plain'}`);
  writeLongruns(src, Array.from({ length: count }, (_, i) => nameOf(i)), ready);
  const compiled = join(root, `compiled${count}${ready ? '' : '-plain'}`);
  s6rcOk(['compile', compiled, src]);
  return compiled;
}

/** ms of one `s6rc -u change` of every service, on a fresh supervisor; everything stopped by pid after. */
function changeUp(root: string, compiled: string, count: number, round: number): number {
  const live = join(root, `live${count}-${round}`);
  s6rcOk(['init', '-c', compiled, '-l', live]);
  const pid = Number(readFileSync(join(live, 'pid'), 'utf8'));
  try {
    const names = Array.from({ length: count }, (_, i) => nameOf(i));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [S6RC, '-l', live, '-u', 'change', ...names], { env: BENCH_ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`change exited ${r.status}: ${r.stderr}`);
    return ms;
  } finally {
    killLive(live, pid);
    rmSync(live, { recursive: true, force: true });
  }
}

/**
 * The floor: `count` serial posix_spawns of the run script from the addon,
 * each in its own session with a pipe on fd 3, reading its readiness newline
 * before the next spawn; every child killed by pid after.
 */
async function floor(root: string, count: number): Promise<number> {
  const spawner = nativeSpawner();
  if (!spawner) throw new Error('the native spawner (build/Release/s6rc_spawn.node) is not available');
  const dir = join(root, 'floor');
  mkdirSync(dir, { recursive: true });
  const run = join(dir, 'run');
  writeFileSync(run, LONGRUN_RUN, { mode: 0o755 });
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  const pids: number[] = [];
  let exited = 0;
  const byte = Buffer.alloc(1);
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const [r, w] = spawner.pipe();
      pids.push(spawner.spawn(run, [run], env, dir, [-1, -1, -1, w], () => exited++, true));
      closeSync(w);
      while (readSync(r, byte, 0, 1, null) === 1 && byte[0] !== 10);
      closeSync(r);
    }
    return performance.now() - t0;
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (let wait = 0; wait < 100 && exited < pids.length; wait++) await new Promise((r) => setTimeout(r, 50));
  }
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-scale-'));
  const small = ctx.quick ? 100 : 1000;
  const rounds = ctx.quick ? 2 : 3;
  try {
    const compiled = compileLongruns(root, small);
    const ours: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < rounds; i++) {
      floors.push(await floor(root, small));
      ours.push(changeUp(root, compiled, small, i));
    }
    const ms = median(ours);
    const f = median(floors);
    const rows: Row[] = [
      {
        suite: 'scale',
        case: `${small} longruns: -u change → all ready, vs ${small} serial posix_spawns + readiness`,
        median: ms,
        target: `≤ ${FLOOR_TARGET}× floor`,
        note: `${ms / f <= FLOOR_TARGET ? 'ok' : 'MISSED'}: ${(ms / f).toFixed(2)}× the floor (${f.toFixed(0)} ms; runs ${ours.map((x) => x.toFixed(0)).join('/')} vs ${floors.map((x) => x.toFixed(0)).join('/')})`,
      },
    ];
    process.stderr.write(`bench: scale: ${rows[0].case}: ${rows[0].note}\n`);
    const big = small * 10;
    const smallPlain = changeUp(root, compileLongruns(root, small, false), small, 0);
    const bigMs = changeUp(root, compileLongruns(root, big, false), big, 0);
    const ratio = bigMs / smallPlain;
    const ok = ratio <= TENFOLD_TARGET && (ctx.quick || bigMs <= TENFOLD_LIMIT_MS);
    rows.push({
      suite: 'scale',
      case: `${big} longruns (no readiness): -u change → all up, vs ${small}`,
      median: bigMs,
      target: `≤ ${TENFOLD_TARGET}×${ctx.quick ? '' : `, ≤ ${TENFOLD_LIMIT_MS / 1000} s`}`,
      note: `${ok ? 'ok' : 'MISSED'}: ${ratio.toFixed(2)}× the ${small} (${smallPlain.toFixed(0)} ms; one run each)`,
    });
    process.stderr.write(`bench: scale: ${rows[1].case}: ${bigMs.toFixed(0)} ms, ${rows[1].note}\n`);
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
