/**
 * An O(1) integrity check from the 100-byte SQLite file header, for commands
 * that read a few rows and must start fast (`s6rc db type S`).
 *
 * s6rc writes a compiled database in exactly one write transaction, so its
 * header's file change counter is 1. SQLite increments the counter on every
 * later write (`sqlite3 compiled "UPDATE ..."`), switching to WAL changes the
 * format bytes, and truncation makes the file shorter than the page count in
 * the header. Edits that bypass SQLite (a hex editor) are caught by the
 * full checksum of `loadCompiled` and by `s6rc db check`.
 */
import { fs } from './nodeFs.js';
import { APPLICATION_ID, READABLE_VERSIONS } from './schema.js';

/** The change counter of a freshly compiled database: one write transaction. */
export const FRESH_CHANGE_COUNTER = 1;
const MAGIC = 'SQLite format 3\0';

/** Why the header of `path` is not that of an untouched s6rc compiled database, or null. */
export function headerProblem(path: string): string | null {
  const fd = fs.openSync(path, 'r');
  let header: Buffer;
  let size: number;
  try {
    header = Buffer.alloc(100);
    const n = fs.readSync(fd, header, 0, 100, 0);
    size = fs.fstatSync(fd).size;
    if (n < 100) return n === 0 ? 'empty file' : 'file is not a database (shorter than a SQLite header)';
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1', 0, 16) !== MAGIC) return 'file is not a database';
  if (header.readUInt32BE(68) !== APPLICATION_ID) return 'not an s6rc compiled database';
  const version = header.readUInt32BE(60);
  if (!READABLE_VERSIONS.includes(version)) return `schema version ${version}, this s6rc reads versions ${READABLE_VERSIONS.join(' and ')} (recompile the sources)`;
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  if (size < pages * pageSize) return `truncated: ${size} bytes, the header says ${pages * pageSize}`;
  if (size > pages * pageSize) return `${size - pages * pageSize} bytes appended after the database`;
  if (header[18] !== 1 || header[19] !== 1) return 'switched to WAL mode after compilation';
  if (header.readUInt32BE(24) !== FRESH_CHANGE_COUNTER) return 'the database was modified after compilation';
  return null;
}
