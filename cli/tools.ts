/**
 * `compile` and `db` from one CommonJS bundle, `dist/tools.cjs` (built by
 * esbuild, like cli/thin.ts): they read and write SQLite files and must start
 * close to a bare `node -e 0`, and Node 20's ES module loader is a large part
 * of their cold start (docs/PERFORMANCE.md). better-sqlite3's JavaScript is bundled in (see
 * scripts/bundle.mjs) but only evaluated when a subcommand opens a database;
 * its native addon always loads from node_modules.
 */
import * as compile from './compile.js';
import * as db from './db.js';
import { settle, suiteCommand } from './fastStart.js';

/** Runs `argv` and returns true for `compile` and `db`; false, having done nothing, otherwise. */
export function start(argv: string[]): boolean {
  return settle(suiteCommand({ compile, db }, argv));
}
