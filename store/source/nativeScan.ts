/**
 * compile's parallel reader (native/scan.c, built by `npm install` through
 * node-gyp into build/Release/s6rc_scan.node): two threads read the
 * definition directories of a source directory, in order, while readSource.ts
 * parses the ones already read. Reading is most of compile's time (3000
 * services are ~40,000 system calls, ~88 ms of CPU here); through `fs` the
 * parser's thread made them one after the other.
 *
 * `startScan(dirs)` is null where the addon is missing (not built, not
 * Linux, built for another Node) or when `S6RC_SCAN=fs` asks for `fs` alone;
 * readSource.ts then reads everything through `fs`, with the same results.
 * Whatever the scan could not read (a symlink, a file that is not regular,
 * an error) is read again through `fs`, so errors are reported by one code.
 */
import { loadAddon } from '../loadAddon.js';

interface ScanAddon {
  start(dirs: string[], threads: number, known: string[]): object;
  take(handle: object, index: number, into: Buffer): number;
  stop(handle: object): void;
}

/** One definition directory as the scan read it: one object, refilled by every take. */
export interface ScannedDir {
  /** Every entry but . and .., in directory order. */
  names: string[];
  /** Holds every content below; overwritten by the next take, so copy what must outlive it. */
  bytes: Buffer;
  /** names[k]'s content is bytes[offsets[k], offsets[k] + lengths[k]); length -1: not read (use fs). */
  offsets: number[];
  lengths: number[];
  /** names[k]'s entries when it is a `*.d` directory that was listed; null: not listed (use fs). */
  lists: (string[] | null)[];
}

export interface Scan {
  /** dirs[i] as read, waiting for it if needed; null: read it through fs. Valid until the next take. */
  take(i: number): ScannedDir | null;
  /** Stops the readers (idempotent); take() returns null afterwards. */
  stop(): void;
}

/** Reader threads: the machines s6rc runs on have a few cores, and the parser needs one. */
const THREADS = 2;

let loaded: ScanAddon | null | undefined;

function addon(): ScanAddon | null {
  if (loaded === undefined) loaded = process.env.S6RC_SCAN === 'fs' ? null : loadAddon<ScanAddon>('s6rc_scan');
  return loaded;
}

/**
 * Starts reading `dirs` (definition directories) in the background; null when
 * only fs is available. Entry names in `known` come back as those very strings
 * (no string is decoded for them).
 */
export function startScan(dirs: string[], known: readonly string[] = []): Scan | null {
  const native = addon();
  if (native === null || dirs.length === 0) return null;
  const handle = native.start(dirs, THREADS, [...known]);
  // Own ArrayBuffers (allocUnsafeSlow), so an Int32Array can view them from offset 0.
  let bytes = Buffer.allocUnsafeSlow(64 * 1024);
  let ints = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
  const dir: ScannedDir = { names: [], bytes, offsets: [], lengths: [], lists: [] };
  return {
    take: (i) => {
      let length = native.take(handle, i, bytes);
      if (length < -1) {
        bytes = Buffer.allocUnsafeSlow((-length - 2) * 2);
        ints = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
        dir.bytes = bytes;
        length = native.take(handle, i, bytes);
      }
      if (length < 0) return null;
      decode(dir, ints, length, known);
      return dir;
    },
    stop: () => native.stop(handle),
  };
}

/** Whole int32 for `n` bytes. */
const padded = (n: number): number => (n + 3) & ~3;

/** Refills `dir` from the first `length` bytes of its buffer (format: native/scan.c). */
function decode(dir: ScannedDir, ints: Int32Array, length: number, known: readonly string[]): void {
  const { names, offsets, lengths, lists, bytes } = dir;
  names.length = offsets.length = lengths.length = lists.length = 0;
  let at = 0;
  while (at < length) {
    const q = at >> 2;
    const knownIndex = ints[q];
    const nameLength = ints[q + 1];
    const contentLength = ints[q + 2];
    const listCount = ints[q + 3];
    at += 16;
    if (knownIndex >= 0) names.push(known[knownIndex]);
    else {
      names.push(bytes.toString('utf8', at, at + nameLength));
      at += padded(nameLength);
    }
    offsets.push(at);
    lengths.push(contentLength);
    if (contentLength > 0) at += padded(contentLength);
    let list: string[] | null = null;
    if (listCount >= 0) {
      list = [];
      for (let k = 0; k < listCount; k++) {
        const n = ints[at >> 2];
        list.push(bytes.toString('utf8', at + 4, at + 4 + n));
        at += 4 + padded(n);
      }
    }
    lists.push(list);
  }
}
