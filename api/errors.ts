/**
 * The API's one error type. Whatever stops a call — an unknown service, a
 * supervisor that is not running or went away, a held lock, a damaged event
 * log — rejects with an `S6rcError` carrying the exit code the CLI would exit
 * with and the message it would print after `s6rc: fatal: `.
 */
import { EXIT, Fatal } from '../machines/errors.js';
import { ConnectionClosed, RequestCancelled, SupervisorGone } from '../protocol/client.js';

export { EXIT };

/**
 * @example
 *   try { await s6rc.status(['zork']); }
 *   catch (err) { if (err instanceof S6rcError && err.exitCode === EXIT.unknownName) ... }
 */
export class S6rcError extends Error {
  constructor(
    /** The CLI's exit code for the same failure (`EXIT`): 3 unknown name, 4 invalid live state, 111 no supervisor... */
    readonly exitCode: number,
    /** One line, as the CLI prints it after `s6rc: fatal: `. */
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S6rcError';
  }
}

/**
 * Any failure as an `S6rcError`: the supervisor's error answers and `Fatal`s
 * keep their code; a supervisor that cannot be reached or went away is 111,
 * as for the CLI's socket clients (`status`, `change`...).
 */
export function toS6rcError(err: unknown): S6rcError {
  if (err instanceof S6rcError) return err;
  if (err instanceof Fatal) return new S6rcError(err.exitCode, err.message, { cause: err });
  if (err instanceof SupervisorGone) return new S6rcError(EXIT.system, err.message, { cause: err });
  if (err instanceof ConnectionClosed) return new S6rcError(EXIT.system, 'the client was closed before the answer came', { cause: err });
  if (err instanceof RequestCancelled) return new S6rcError(EXIT.system, 'the request was cancelled before the answer came', { cause: err });
  return new S6rcError(EXIT.system, `internal error: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
