/**
 * Who asked for a change and how, in the one format every client that starts
 * a change sends (change, start, stop, shutdown, boot) and `history --changes`
 * shows: the user as `name (uid N)`, the command line starting with the
 * program name `s6rc`. node:os only: the thin clients use it.
 */
import { userInfo } from 'node:os';

/** The program name every recorded command line starts with. */
export const PROGRAM = 's6rc';

/** `root (uid 0)`; `uid 1000` when the uid has no name (a container without /etc/passwd entry). */
export function invokingUser(): string {
  const uid = process.getuid?.() ?? '?';
  try {
    return `${userInfo().username} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}

/** This process's command line as recorded: `s6rc`, then the arguments as given. */
export function invocationArgv(): string[] {
  return [PROGRAM, ...process.argv.slice(2)];
}

/**
 * A recorded command line as shown: logs written before the format was one
 * left the program name out of `change`'s argv (and the supervisor records
 * its own shutdown as `shutdown`), so it is put back when missing.
 */
export function withProgramName(argv: readonly string[]): string[] {
  return argv[0] === PROGRAM ? [...argv] : [PROGRAM, ...argv];
}
