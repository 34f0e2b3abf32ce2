/**
 * Errors that end a command with a documented exit code and a one-line message.
 *
 * Every layer throws `Fatal`; only the entry points (`cli/main.ts`, and
 * `cli/fastStart.ts` for the bundles) turn it into stderr output and an exit
 * code, with `reportFailure`, so no stack trace ever reaches a user.
 *
 * @example
 *   throw new Fatal(EXIT.unknownName, `unknown service name: ${name}`);
 */
export class Fatal extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    /** Program prefix; `s6rc compile` reports as `s6rc compile: fatal: ...` (SPEC §1). */
    readonly program = 's6rc',
  ) {
    super(message);
    this.name = 'Fatal';
  }
}

/** The exit codes of SPEC §2 and the seed page; one meaning each. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** compile: an error in a source directory (same number as `failed`, by s6-rc-compile's convention). */
  badSource: 1,
  timedOut: 2,
  unknownName: 3,
  invalidDatabase: 4,
  wrongType: 5,
  /** `wait`: timed out (s6-svwait). */
  waitTimedOut: 99,
  usage: 100,
  /** `wait`: the supervisor went away. */
  supervisorGone: 102,
  system: 111,
} as const;

/** Prints `prog: level: message` to stderr, the format of every s6rc message. */
export function say(level: 'info' | 'warning' | 'fatal', message: string, program = 's6rc'): void {
  process.stderr.write(`${program}: ${level}: ${message}\n`);
}

/** Wraps an OS error (ENOENT, EACCES, ENOSPC...) as a Fatal with exit 111 and a readable reason. */
export function systemFatal(what: string, err: unknown, program = 's6rc'): Fatal {
  const e = err as NodeJS.ErrnoException;
  const reason = e?.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String((e as Error)?.message ?? e);
  return new Fatal(EXIT.system, `${what}: ${reason}`, program);
}

/**
 * Turns whatever ended a command into its one-line message and exit code:
 * `Fatal` as documented, anything else as an internal error with exit 111
 * (set S6RC_DEBUG=1 to see its stack).
 */
export function reportFailure(err: unknown): number {
  if (err instanceof Fatal) {
    process.stderr.write(`${err.program}: fatal: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.S6RC_DEBUG) process.stderr.write(`${e?.stack ?? e}\n`);
  process.stderr.write(`s6rc: fatal: internal error: ${e?.message ?? e}\n`);
  return EXIT.system;
}
