/**
 * The CLI's edge for errors: `Fatal` and the exit codes are defined in
 * machines/errors.ts (every layer throws them); here they become one line on
 * stderr and an exit status.
 */
import { EXIT, Fatal } from '../machines/errors.js';
import { oneLine } from '../protocol/oneLine.js';

export { EXIT, Fatal, systemFatal } from '../machines/errors.js';
export { oneLine } from '../protocol/oneLine.js';

/** Prints `prog: level: message` to stderr, the format of every s6rc message. */
export function say(level: 'info' | 'warning' | 'fatal', message: string, program = 's6rc'): void {
  process.stderr.write(`${program}: ${level}: ${oneLine(message)}\n`);
}

/**
 * Turns whatever ended a command into its one-line message and exit code:
 * `Fatal` as documented, anything else as an internal error with exit 111
 * (set S6RC_DEBUG=1 to see its stack).
 */
export function reportFailure(err: unknown): number {
  if (err instanceof Fatal) {
    process.stderr.write(`${err.program}: fatal: ${oneLine(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.S6RC_DEBUG) process.stderr.write(`${e?.stack ?? e}\n`);
  process.stderr.write(`s6rc: fatal: internal error: ${oneLine(String(e?.message ?? e))}\n`);
  return EXIT.system;
}
