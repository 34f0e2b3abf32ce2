/**
 * `daemon`, the supervisor, from one CommonJS bundle, `dist/supervise.cjs`
 * (built by esbuild, like cli/lifecycle.ts): xstate, rxjs and
 * better-sqlite3's JavaScript are bundled in, since loading its hundred-odd
 * modules one by one through Node 20's ES module loader was most of its start
 * (docs/PERFORMANCE.md, "Start-up"). prom-client stays outside the bundle: it
 * is required only with `--metrics`.
 */
import * as daemon from './daemon.js';
import { settle, suiteCommand } from './fastStart.js';

/** Runs `argv` and returns true for `daemon`; false, having done nothing, otherwise. */
export function start(argv: string[]): boolean {
  return settle(suiteCommand({ daemon }, argv));
}
