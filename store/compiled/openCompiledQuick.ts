/**
 * Opens a compiled database read-only after proving, from its header alone,
 * that it is ours and intact enough to read: our application id and schema
 * version, never written since compilation, not truncated (fileHeader.ts).
 * This module stays light (no node:crypto): `s6rc db` starts with it.
 * Every failure is a `Fatal` with exit 4 (invalid database), except a file
 * that does not exist or cannot be opened (111, as s6-rc-db).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { headerProblem } from './fileHeader.js';
import { EXIT, Fatal, systemFatal } from '../../machines/errors.js';

/** `path` does not exist (exit 111, as s6-rc-db's failed open); callers may say more about where they looked. */
export class CompiledNotFound extends Fatal {
  constructor(path: string, err: unknown) {
    const reason = systemFatal(`unable to open compiled database ${path}`, err);
    super(reason.exitCode, reason.message);
  }
}

/** The exit-4 error for a database that is not a valid s6rc compiled database. */
export function invalidDatabase(path: string, why: string): Fatal {
  return new Fatal(EXIT.invalidDatabase, `invalid compiled database ${path}: ${why}`);
}

/**
 * Opens `path` read-only after the O(1) header check (`headerProblem`); for
 * commands that read a few rows. The caller closes `db`.
 */
export function openCompiledQuick(path: string): Database.Database {
  let problem: string | null;
  try {
    problem = headerProblem(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CompiledNotFound(path, err);
    if (code === 'EISDIR') throw invalidDatabase(path, 'not a file (an s6-rc compiled directory? recompile it with s6rc compile)');
    throw systemFatal(`unable to open compiled database ${path}`, err);
  }
  if (problem) throw invalidDatabase(path, problem);
  try {
    return openDatabase(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalidDatabase(path, (err as Error).message);
  }
}

