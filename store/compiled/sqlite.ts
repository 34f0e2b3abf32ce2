/**
 * Opening SQLite files through better-sqlite3, loaded with `require` (faster
 * than the ESM loader's CommonJS translation) and given the native addon's
 * path directly: better-sqlite3 otherwise finds it with the `bindings`
 * package, which probes the file system and parses stack traces. Both are a
 * noticeable share of a short command's cold start.
 */
import type Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { fs, requireCjs } from './nodeFs.js';

/** dist/store/compiled/ → the package root's node_modules; null when installed elsewhere (then `bindings` finds it). */
const ADDON = fileURLToPath(new URL('../../../node_modules/better-sqlite3/build/Release/better_sqlite3.node', import.meta.url));
let addonPath: string | null | undefined;
let DatabaseClass: typeof Database | undefined;

export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  DatabaseClass ??= requireCjs('better-sqlite3') as typeof Database;
  if (addonPath === undefined) addonPath = fs.existsSync(ADDON) ? ADDON : null;
  return new DatabaseClass(path, addonPath ? { ...options, nativeBinding: addonPath } : options);
}

export type { Database };
