/** Errors in a source directory: `s6rc compile: fatal: <what> in <path>`, exit 1 (SPEC §1). */
import { EXIT, Fatal } from '../../machines/errors.js';

export const COMPILE_PROGRAM = 's6rc compile';

/** A problem found in the source definitions, naming the file (or directory) that holds it. */
export function sourceError(what: string, path: string): Fatal {
  return new Fatal(EXIT.badSource, `${what} in ${path}`, COMPILE_PROGRAM);
}
