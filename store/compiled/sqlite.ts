/**
 * Opening SQLite files through better-sqlite3, loaded with `require` (faster
 * than the ESM loader's CommonJS translation) and given the native addon's
 * path directly: better-sqlite3 otherwise finds it with the `bindings`
 * package, which probes the file system and parses stack traces. Both are a
 * noticeable share of a short command's cold start. The addon itself is
 * always loaded from node_modules, next to the JavaScript it was built with.
 */
import type Database from 'better-sqlite3';
import { fs, requireCjs } from './nodeFs.js';

let addonPath: string | null | undefined;
let DatabaseClass: typeof Database | undefined;

/** The addon beside better-sqlite3's package.json, where node-gyp builds it; null if it is not there (then `bindings` finds it). */
function addonFile(): string | null {
  try {
    const dir = requireCjs.resolve('better-sqlite3/package.json').replace(/package\.json$/, '');
    const file = `${dir}build/Release/better_sqlite3.node`;
    return fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  // In the CommonJS bundle (dist/tools.cjs) this `require` is esbuild's: better-sqlite3's
  // dozen small JavaScript files are bundled in, which loads faster than one by one.
  DatabaseClass ??= (typeof require === 'function' ? require('better-sqlite3') : requireCjs('better-sqlite3')) as typeof Database;
  if (addonPath === undefined) addonPath = addonFile();
  return new DatabaseClass(path, addonPath ? { ...options, nativeBinding: addonPath } : options);
}

export type { Database };
