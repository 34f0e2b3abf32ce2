/**
 * What a closed stdout or stderr does to a command: `s6rc status | head -3`
 * must end as `cat` does, not with Node's "Unhandled 'error' event" and its
 * stack trace. Node ignores SIGPIPE, so a write to a pipe whose reader left
 * fails with EPIPE, emitted as an 'error' on the stream; every entry point
 * (cli/fastStart.ts `settle`, used by cli/main.ts and both bundles) installs
 * these listeners once, for every subcommand.
 *
 * By default the process exits at once with 141, the status a shell shows for
 * a command killed by SIGPIPE. Long-running foreground commands (`daemon`,
 * `boot`) call `keepRunningOnClosedPipe()`: a supervisor must not die because
 * whoever read its output went away, so they drop the output and go on.
 */
import { EXIT } from './fatal.js';

/** The status of a process killed by SIGPIPE (128 + 13), as shells report it. */
export const CLOSED_PIPE_EXIT = 141;

let keepRunning = false;
let installed = false;

/** Installs the listeners on stdout and stderr (once per process). */
export function endQuietlyOnClosedPipe(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => onError('stdout', err));
  process.stderr.on('error', (err: NodeJS.ErrnoException) => onError('stderr', err));
}

/** For commands that supervise: a closed stdout/stderr drops their output instead of ending them. */
export function keepRunningOnClosedPipe(): void {
  keepRunning = true;
}

function onError(stream: 'stdout' | 'stderr', err: NodeJS.ErrnoException): void {
  // After EPIPE the stream is destroyed; writes still queued fail with ERR_STREAM_DESTROYED.
  const closed = err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
  if (keepRunning) return;
  if (closed) process.exit(CLOSED_PIPE_EXIT);
  // Anything else (ENOSPC on a redirected stdout, EIO on a lost terminal) is worth one line, if stderr still works.
  if (stream === 'stdout') {
    try {
      process.stderr.write(`s6rc: fatal: unable to write to stdout: ${err.code ?? err.message}\n`);
    } catch {
      // stderr is gone too: the exit code says it
    }
  }
  process.exit(EXIT.system);
}
