/**
 * Opening SQLite files through better-sqlite3, with the native addon's path
 * given directly: better-sqlite3 otherwise finds it with the `bindings`
 * package, which probes the file system and parses stack traces, a noticeable
 * share of a short command's cold start.
 */
import Database from 'better-sqlite3';
import { fs } from './nodeFs.js';
import { fileURLToPath } from 'node:url';

/** dist/store/compiled/ → the package root's node_modules; null when installed elsewhere (then `bindings` finds it). */
const ADDON = fileURLToPath(new URL('../../../node_modules/better-sqlite3/build/Release/better_sqlite3.node', import.meta.url));
let addonPath: string | null | undefined;

export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  if (addonPath === undefined) addonPath = fs.existsSync(ADDON) ? ADDON : null;
  return new Database(path, addonPath ? { ...options, nativeBinding: addonPath } : options);
}

export type { Database };
