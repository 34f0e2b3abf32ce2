/**
 * Timing helpers shared by every benchmark suite: run a command several times
 * and keep the median, always next to a bare `node -e 0` measured in the same
 * run, since absolute times drift on shared machines.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
export const S6RC = resolve(ROOT, 'bin/s6rc.cjs');

export interface Row {
  suite: string;
  case: string;
  /** Median wall time in ms (or another unit, then say it in `unit`). */
  median: number;
  unit?: string;
  /** Ratio to the same run's bare `node -e 0`, when meaningful. */
  vsNode?: number;
  target?: string;
  note?: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one process run, in ms; throws if it exits non-zero. */
export function timeProcess(cmd: string, args: string[], opts: SpawnSyncOptions = {}, okCodes = [0]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Median of `runs` runs, with `setup` before each (not timed). */
export function medianOf(runs: number, once: () => number, setup?: () => void): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    setup?.();
    xs.push(once());
  }
  return median(xs);
}

/** One bare `node -e 0`, for suites that alternate it with their subject. */
export const nodeOnce = (): number => timeProcess(process.execPath, ['-e', '0']);

/** The baseline every ratio refers to. */
export function bareNode(runs = 11): number {
  return medianOf(runs, nodeOnce);
}

export function s6rcTime(args: string[], opts: SpawnSyncOptions = {}, okCodes = [0]): number {
  return timeProcess(process.execPath, [S6RC, ...args], opts, okCodes);
}
