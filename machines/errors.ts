/**
 * Errors that end a command with a documented exit code and a one-line
 * message, and the exit codes themselves: the lowest layer, so every other
 * one (store, actors, the CLI, the supervisor's socket answers) throws and
 * answers with the same numbers. Only the CLI's entry points print a `Fatal`
 * (cli/fatal.ts `reportFailure`), so no stack trace ever reaches a user.
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

/** Wraps an OS error (ENOENT, EACCES, ENOSPC...) as a Fatal with exit 111 and a readable reason. */
export function systemFatal(what: string, err: unknown, program = 's6rc'): Fatal {
  const e = err as NodeJS.ErrnoException;
  const reason = e?.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String((e as Error)?.message ?? e);
  return new Fatal(EXIT.system, `${what}: ${reason}`, program);
}
