/** Test helper: what an edit bypassing SQLite (a hex editor) leaves behind in a compiled database. */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Puts the SQLite header's change counter (and version-valid-for) back to 1, the value of a fresh compile. */
export function forgeCounter(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const one = Buffer.alloc(4);
    one.writeUInt32BE(1);
    writeSync(fd, one, 0, 4, 24);
    writeSync(fd, one, 0, 4, 92);
  } finally {
    closeSync(fd);
  }
}
