/**
 * The update suite: wall time of the `s6rc update` client against a
 * supervisor running 1000 readiness-notifying longruns (100 with
 * S6RC_BENCH_QUICK=1), alternated with a bare `node -e 0`:
 *
 * - to an identical database (the same source compiled again into another
 *   path), flipping between the two copies: nothing may restart, so every
 *   longrun's pid must be the same afterwards; target < 2× node;
 * - to a database with one longrun's run script edited, and back: the new
 *   database is loaded and compared service by service, and still nothing
 *   restarts (no target: how much an actual edit costs over the identical case);
 * - to a database in which 10 of the longruns are oneshots, and back (each
 *   direction restarts the same 10 and their 2 longrun dependents each):
 *   exactly those 30 pids may change. The restarts' own cost is a plain-Node
 *   baseline of the same run: spawning those 30 processes in dependency
 *   order and awaiting their readiness (changeBaseline.ts). Overhead =
 *   update − node -e 0 − baseline; target < 2× node.
 *
 * A run whose restarts are not the expected ones says so in its row, on
 * stderr, and in the bench's exit status.
 */
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSource, LONGRUN_RUN, writeBundle, writeService } from '../generate.js';
import { BENCH_ENV, s6rcOk, startLive, type Live } from '../live.js';
import { median, nodeOnce, s6rcTime, type Row } from '../measure.js';
import type { BenchContext } from '../run.js';
import { spawnBaseline, type Kind } from './changeBaseline.js';

const IDENTICAL_TARGET = 2;
const RETYPE_OVERHEAD_TARGET = 2;
const RETYPED = 10;
const DEPENDENTS_EACH = 2;

/** The services that `retyped` (their kind chosen per source) and their dependents add to a DAG of longruns. */
interface RetypeSet {
  retyped: string[];
  dependents: string[];
  /** The restart set in dependency order, as indices into `retyped ++ dependents`, for the baseline. */
  deps: number[][];
}

/**
 * Writes `count` services into `dir`: a random DAG of longruns, plus
 * RETYPED services of kind `retypedKind` that each depend on one of them and
 * have DEPENDENTS_EACH longrun dependents (which also depend on another DAG
 * service), and the bundle `all` of everything.
 */
function writeSource(dir: string, count: number, retypedKind: Kind): RetypeSet {
  const extra = RETYPED * (1 + DEPENDENTS_EACH);
  const { names: base } = generateSource(dir, { shape: 'dag', count: count - extra, kind: 'longrun', seed: 42, bundle: null });
  const set: RetypeSet = { retyped: [], dependents: [], deps: [] };
  const spread = (i: number) => base[Math.floor(((i + 0.5) * base.length) / RETYPED)];
  for (let i = 0; i < RETYPED; i++) {
    const name = `retyped${String(i).padStart(2, '0')}`;
    writeService(dir, name, retypedKind, [spread(i)]);
    set.retyped.push(name);
    set.deps.push([]);
  }
  set.retyped.forEach((r, i) => {
    for (let k = 0; k < DEPENDENTS_EACH; k++) {
      const name = `${r}-user${k}`;
      writeService(dir, name, 'longrun', [r, spread((i + k + 1) % RETYPED)]);
      set.dependents.push(name);
      set.deps.push([i]);
    }
  });
  writeBundle(dir, 'all', [...base, ...set.retyped, ...set.dependents]);
  return set;
}

type Pids = Map<string, number | null>;

/** Every atomic's pid (null for a oneshot), from `status --json`; throws unless all are ready. */
function pids(live: string): Pids {
  const rows = JSON.parse(s6rcOk(['status', '-l', live, '--json'])) as { name: string; state: string; pid: number | null }[];
  const notReady = rows.filter((r) => r.state !== 'ready').map((r) => `${r.name} (${r.state})`);
  if (notReady.length) throw new Error(`update bench: not every service is up: ${notReady.slice(0, 10).join(', ')}${notReady.length > 10 ? ', ...' : ''}`);
  return new Map(rows.map((r) => [r.name, r.pid]));
}

/** Names whose pid differs between two readings (a type change from or to a oneshot counts). */
function restarted(before: Pids, after: Pids): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

/** Compares what restarted with what should have; a mismatch is reported loudly and fails the bench. */
function checkRestarts(what: string, seen: string[][], expected: string[]): string {
  const want = [...expected].sort().join(' ');
  const wrong = seen.find((s) => s.join(' ') !== want);
  if (!wrong) return expected.length ? `restarted exactly the ${expected.length} expected in all ${seen.length} runs` : `no pid changed in ${seen.length} runs`;
  const extra = wrong.filter((n) => !expected.includes(n));
  const missing = expected.filter((n) => !wrong.includes(n));
  const message = `WRONG RESTARTS (${what}): ${extra.length} unexpected (${extra.slice(0, 5).join(' ')}), ${missing.length} missing (${missing.slice(0, 5).join(' ')})`;
  process.stderr.write(`bench: update: ${message}\n`);
  process.exitCode = 1;
  return message;
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 's6rc-bench-update-'));
  const count = ctx.quick ? 100 : 1000;
  const runs = ctx.quick ? 3 : 7;
  const runScript = join(root, 'run.sh');
  writeFileSync(runScript, LONGRUN_RUN);
  chmodSync(runScript, 0o755);
  let live: Live | null = null;
  try {
    const set = writeSource(join(root, 'A'), count, 'longrun');
    writeSource(join(root, 'B'), count, 'oneshot');
    live = startLive(root, 'A', join(root, 'A'));
    const again = join(root, 'A-again.compiled');
    const retypedDb = join(root, 'B.compiled');
    const editedDb = join(root, 'A-edited.compiled');
    s6rcOk(['compile', again, join(root, 'A')]);
    // The same source with one longrun's run script edited: a different database in which nothing restarts.
    cpSync(join(root, 'A'), join(root, 'A-edited'), { recursive: true });
    const editedRun = join(root, 'A-edited', set.dependents[0], 'run');
    writeFileSync(editedRun, `${LONGRUN_RUN}# edited\n`, { mode: 0o755 });
    s6rcOk(['compile', editedDb, join(root, 'A-edited')]);
    s6rcOk(['compile', retypedDb, join(root, 'B')]);
    s6rcOk(['-l', live.live, 'change', 'all']);
    const update = (compiled: string) => s6rcTime(['update', '-l', live!.live, compiled], { env: BENCH_ENV });

    // Updates that restart nothing, flipping between A and `other`: every pid must stay the same.
    const first = pids(live.live);
    const noRestart = (what: string, other: string, target?: number): Row => {
      const node: number[] = [];
      const times: number[] = [];
      const seen: string[][] = [];
      for (let i = 0; i < runs; i++) {
        node.push(nodeOnce());
        times.push(update(i % 2 ? live!.compiled : other));
        seen.push(restarted(first, pids(live!.live)));
      }
      const n = median(node);
      const m = median(times);
      const verdict = target === undefined ? '' : `${m / n < target ? 'ok' : 'MISSED'}; `;
      return {
        suite: 'update',
        case: `${what}, ${count} longruns up`,
        median: m,
        vsNode: m / n,
        target: target === undefined ? '' : `< ${target}×`,
        note: `${verdict}${checkRestarts(what, seen, [])} (node -e 0: ${n.toFixed(1)} ms)`,
      };
    };
    // An identical database (the two compiles of A); one run script edited (the new database is loaded and compared).
    const rows: Row[] = [noRestart('identical database', again, IDENTICAL_TARGET), noRestart('one run script edited', editedDb)];

    // 10 retyped, A → B then B → A: the same 30 restart each way.
    const expected = [...set.retyped, ...set.dependents];
    const directions = [
      { label: `${RETYPED} longruns → oneshots`, to: retypedDb, kinds: kindsFor(set, 'oneshot') },
      { label: `${RETYPED} oneshots → longruns`, to: live.compiled, kinds: kindsFor(set, 'longrun') },
    ];
    const times = directions.map(() => ({ node: [] as number[], base: [] as number[], update: [] as number[], seen: [] as string[][] }));
    for (let i = 0; i < runs; i++) {
      for (const [d, dir] of directions.entries()) {
        const t = times[d];
        t.node.push(nodeOnce());
        t.base.push(await spawnBaseline(set.deps, dir.kinds, runScript));
        const before = pids(live.live);
        t.update.push(update(dir.to));
        t.seen.push(restarted(before, pids(live.live)));
      }
    }
    for (const [d, dir] of directions.entries()) {
      const t = times[d];
      const tn = median(t.node);
      const tb = median(t.base);
      const tu = median(t.update);
      const overhead = (tu - tn - tb) / tn;
      rows.push({
        suite: 'update',
        case: `${dir.label} (+${set.dependents.length} dependents) of ${count}`,
        median: tu,
        vsNode: tu / tn,
        target: `< 3× + baseline`,
        note:
          `${overhead < RETYPE_OVERHEAD_TARGET ? 'ok' : 'MISSED'}: overhead ${overhead.toFixed(2)}× node (target < ${RETYPE_OVERHEAD_TARGET}×) over plain-Node restart baseline ${tb.toFixed(1)} ms; ` +
          `${checkRestarts(dir.label, t.seen, expected)} (node -e 0: ${tn.toFixed(1)} ms)`,
      });
    }
    return rows;
  } finally {
    live?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The kinds of the restart set (retyped, then dependents) once the retyped are `kind`. */
function kindsFor(set: RetypeSet, kind: Kind): Kind[] {
  return [...set.retyped.map(() => kind), ...set.dependents.map((): Kind => 'longrun')];
}
