/** The one error for an event log s6rc must not read on from or write to (exit 4), shared by check.ts and the reader. */
import { EXIT, Fatal } from '../../machines/errors.js';

/** The exit-4 error for an existing event log that is damaged or not ours: the user moves it aside. */
export function invalidEventLog(path: string, what: string): Fatal {
  return new Fatal(EXIT.invalidDatabase, `invalid event log ${path}: ${what} (move it aside to start a new log)`);
}
