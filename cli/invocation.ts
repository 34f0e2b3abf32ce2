/**
 * How the CLI records who asked for a change and how (protocol/invocation.ts
 * has the format): the user as `name (uid N)`, the command line starting
 * with the program name `s6rc`. node:os only: the thin clients use it.
 */
import { invokingUser, PROGRAM } from '../protocol/invocation.js';

export { invokingUser, PROGRAM };

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
