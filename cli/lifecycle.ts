/**
 * `init` and `boot`, the commands that start a supervisor, from one CommonJS
 * bundle, `dist/lifecycle.cjs` (built by esbuild, like cli/thin.ts and
 * cli/tools.ts); the supervisor they start runs from its own,
 * `dist/supervise.cjs` (cli/supervise.ts). `init` waits for two cold starts, its
 * own and the supervisor's, and loading each module one by one through Node
 * 20's ES module loader was most of both (docs/PERFORMANCE.md, "Start-up").
 * better-sqlite3's JavaScript is bundled in; its native addon loads from
 * node_modules.
 */
import * as boot from './boot.js';
import * as init from './init.js';
import { settle, suiteCommand } from './fastStart.js';

/** Runs `argv` and returns true for `init` and `boot`; false, having done nothing, otherwise. */
export function start(argv: string[]): boolean {
  return settle(suiteCommand({ init, boot }, argv));
}
