import type { Readable } from 'node:stream';

/**
 * Watches run's notification-fd pipe: the first newline means ready, text
 * before it is ignored (s6's readiness protocol). The read end is destroyed as
 * soon as the newline arrives, or when `close()` is called; EOF without a
 * newline means no readiness (run closed the fd without notifying).
 *
 * @returns a function that stops watching and closes the read end.
 */
export function watchReadinessPipe(stream: Readable, onReady: () => void): () => void {
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    stream.removeAllListeners('data');
    stream.destroy();
  };
  stream.on('data', (chunk: Buffer) => {
    if (done || chunk.indexOf(10) === -1) return;
    close();
    onReady();
  });
  // ECONNRESET etc. when run dies: nothing to report, the exit event does.
  stream.on('error', () => {});
  stream.once('end', close);
  return close;
}
