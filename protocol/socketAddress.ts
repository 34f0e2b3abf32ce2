import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The longest path a Unix socket address holds on Linux (108 bytes of
 * `sun_path`, one of them the terminating NUL). Longer paths are not
 * refused by the kernel's callers but silently cut, which binds or reaches a
 * different file.
 */
export const SOCKET_PATH_MAX = 107;

export interface SocketAddress {
  /** What to bind or connect to. */
  path: string;
  /** Closes the directory fd a long path goes through (nothing for a short one). */
  release(): void;
}

/**
 * How to reach `<dir>/<name>` as a Unix socket: the path itself when it
 * fits, otherwise through an fd of the directory, `/proc/self/fd/N/<name>`,
 * which the kernel resolves to the same directory whatever its length. Keep
 * the address until bind/connect has happened, then `release` it.
 *
 * @example const a = socketAddress(live, 'control'); server.listen(a.path, () => a.release());
 */
export function socketAddress(dir: string, name: string): SocketAddress {
  const path = join(dir, name);
  if (Buffer.byteLength(path) <= SOCKET_PATH_MAX) return { path, release() {} };
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  let open = true;
  return {
    path: `/proc/self/fd/${fd}/${name}`,
    release() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
