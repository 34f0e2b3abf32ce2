/**
 * Telling "absent" from "cannot look". `existsSync` answers false to both, so
 * a live directory this user may not enter read as "no compiled database" or
 * "no such file"; these answer null only when the path is really not there,
 * and otherwise end the command with exit 111 naming the errno (EACCES...).
 * node:fs only: the thin clients use them.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { systemFatal } from './fatal.js';

/** `path`'s stats, or null when it (or a directory on its way) does not exist; Fatal 111 for any other failure. */
export function statIfPresent(path: string, what: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw systemFatal(`unable to read ${what} ${path}`, err);
  }
}

/** Fatal 111 unless this process may read `path` (and, for a directory, enter it). */
export function mustRead(path: string, what: string, directory = false): void {
  try {
    accessSync(path, constants.R_OK | (directory ? constants.X_OK : 0));
  } catch (err) {
    throw systemFatal(`unable to read ${what} ${path}`, err);
  }
}
