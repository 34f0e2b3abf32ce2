import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A pipeline pipe: give `readFd` to the consumer's stdin, `writeFd` to the producers' stdout. */
export interface Pipe {
  readFd: number;
  writeFd: number;
  /** The FIFO's path if it was kept (to reopen it after a supervisor restart), else null. */
  path: string | null;
  close(): void;
}

/**
 * Creates a pipe the supervisor holds open, so that either side can die and
 * be restarted without the other seeing EOF or SIGPIPE, and bytes written
 * while the consumer is down wait in the pipe buffer for the next consumer.
 *
 * Node has no pipe(2) binding, so this makes a FIFO (mkfifo(1)) and opens it
 * three times: O_RDWR first (never blocks on Linux, and counts as both a
 * reader and a writer), then the read end and the write end, which therefore
 * do not block either. Holding both ends in the supervisor is what makes the
 * pipe survive restarts: the kernel pipe lives as long as any fd refers to it.
 * Node opens files with O_CLOEXEC, so the fds reach only the children they
 * are given to as stdio.
 *
 * @param path where to create the FIFO (e.g. in the live directory, kept for
 *   recovery); by default a temporary one, unlinked once open.
 * @example const pipe = createPipe(); spawn(producer, { stdio: ['ignore', pipe.writeFd, 'inherit'] })
 */
export function createPipe(path?: string): Pipe {
  let dir: string | null = null;
  const fifo = path ?? join((dir = mkdtempSync(join(tmpdir(), 's6rc-pipe-'))), 'fifo');
  execFileSync('mkfifo', ['-m', '0600', fifo], { stdio: 'ignore' });
  const holder = openSync(fifo, constants.O_RDWR);
  const readFd = openSync(fifo, constants.O_RDONLY);
  const writeFd = openSync(fifo, constants.O_WRONLY);
  closeSync(holder);
  if (dir) rmSync(dir, { recursive: true, force: true });
  let closed = false;
  return {
    readFd,
    writeFd,
    path: path ?? null,
    close() {
      if (closed) return;
      closed = true;
      closeSync(readFd);
      closeSync(writeFd);
      if (path) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
