/**
 * The CLI's edge for errors: `Fatal` and the exit codes are defined in
 * machines/errors.ts (every layer throws them); here they become one line on
 * stderr and an exit status.
 */
import { EXIT, Fatal } from '../machines/errors.js';

export { EXIT, Fatal, systemFatal } from '../machines/errors.js';

/** Prints `prog: level: message` to stderr, the format of every s6rc message. */
export function say(level: 'info' | 'warning' | 'fatal', message: string, program = 's6rc'): void {
  process.stderr.write(`${program}: ${level}: ${oneLine(message)}\n`);
}

/**
 * Control, format and line-breaking characters (`\p{C}`, `\p{Zl}`, `\p{Zp}`):
 * a path or name in a message may hold any of them (a service directory
 * named `a<newline>b`), and one message must stay one line on the terminal.
 */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/gu;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `message` with every character of UNPRINTABLE escaped as JSON escapes it (`\n`, `\u001b`). */
export function oneLine(message: string): string {
  return message.replace(UNPRINTABLE, (ch) => {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) return short;
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
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
