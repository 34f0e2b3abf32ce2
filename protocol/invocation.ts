/**
 * Who asked for a change, in the one format every client that starts a
 * change sends (the CLI's change, start, stop, shutdown, boot, and the Node
 * API) and `history --changes` shows: the user as `name (uid N)`, the command
 * line starting with the program name `s6rc`. node:os only.
 */
import { userInfo } from 'node:os';

/** The program name every recorded command line starts with. */
export const PROGRAM = 's6rc';

/** `root (uid 0)`; `uid 1000` when the uid has no name (a container without /etc/passwd entry). */
export function invokingUser(): string {
  const uid = process.getuid?.() ?? '?';
  try {
    return `${userInfo().username} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}
