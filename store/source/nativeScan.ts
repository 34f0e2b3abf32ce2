/**
 * compile's parallel reader (native/scan.c, built by `npm install` through
 * node-gyp into build/Release/s6rc_scan.node): a few threads read the
 * definition directories of a source directory, in order, while readSource.ts
 * parses the ones already read. Reading is most of compile's time (3000
 * services are ~40,000 system calls); on two threads, and alongside the
 * parser, it costs about a third of its time through `fs`.
 *
 * `startScan(dirs)` is null where the addon is missing (not built, not
 * Linux, built for another Node) or when `S6RC_SCAN=fs` asks for `fs` alone;
 * readSource.ts then reads everything through `fs`, with the same results.
 * Whatever the scan could not read (a symlink, a file that is not regular,
 * an error) is read again through `fs`, so errors are reported by one code.
 *
 * No `import.meta` on the way: compile also runs from the CommonJS bundle
 * dist/tools.cjs (see nodeFs.ts), where `__dirname` is dist/.
 */
import { fs, requireCjs } from '../compiled/nodeFs.js';

interface ScanAddon {
  start(dirs: string[], threads: number): object;
  take(handle: object, index: number): Buffer | null;
  stop(handle: object): void;
}

/** One definition directory as the scan read it. */
export interface ScannedDir {
  /** Every entry but . and .., in directory order. */
  names: string[];
  /** Holds every content below. */
  bytes: Buffer;
  /** names[k]'s content is bytes[offsets[k], offsets[k] + lengths[k]); length -1: not read (use fs). */
  offsets: number[];
  lengths: number[];
  /** names[k]'s entries when it is a `*.d` directory that was listed; null: not listed (use fs). */
  lists: (string[] | null)[];
}

export interface Scan {
  /** dirs[i] as read, waiting for it if needed; null: read it through fs. */
  take(i: number): ScannedDir | null;
  /** Stops the readers (idempotent); take() returns null afterwards. */
  stop(): void;
}

/** Reader threads: the machines s6rc runs on have a few cores, and the parser needs one. */
const THREADS = 2;
const ADDON = '/build/Release/s6rc_scan.node';

let loaded: ScanAddon | null | undefined;

/** This module's directory: the bundle's `__dirname` (dist/), or this ES module's. */
function hereDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return decodeURIComponent(new URL('.', import.meta.url).pathname).replace(/\/$/, '');
}

/** build/Release/s6rc_scan.node in the project root, found upwards from here. */
function addonPath(): string | null {
  let dir = hereDir();
  for (let up = 0; up < 4 && dir.length > 1; up++) {
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
    if (fs.existsSync(dir + ADDON)) return dir + ADDON;
  }
  return null;
}

function addon(): ScanAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== 'linux' || process.env.S6RC_SCAN === 'fs') return loaded;
  const path = addonPath();
  if (path === null) return loaded;
  try {
    loaded = requireCjs(path) as ScanAddon;
  } catch {
    loaded = null; // built for another Node, say: fs still works
  }
  return loaded;
}

/** Starts reading `dirs` (definition directories) in the background; null when only fs is available. */
export function startScan(dirs: string[]): Scan | null {
  const native = addon();
  if (native === null || dirs.length === 0) return null;
  const handle = native.start(dirs, THREADS);
  return {
    take: (i) => {
      const bytes = native.take(handle, i);
      return bytes === null ? null : decode(bytes);
    },
    stop: () => native.stop(handle),
  };
}

/** Decodes one taken buffer (format: native/scan.c). */
function decode(bytes: Buffer): ScannedDir {
  const dir: ScannedDir = { names: [], bytes, offsets: [], lengths: [], lists: [] };
  let at = 0;
  while (at < bytes.length) {
    const nameLength = bytes.readInt32LE(at);
    const contentLength = bytes.readInt32LE(at + 4);
    const listCount = bytes.readInt32LE(at + 8);
    at += 12;
    dir.names.push(bytes.toString('utf8', at, at + nameLength));
    at += nameLength;
    dir.offsets.push(at);
    dir.lengths.push(contentLength);
    if (contentLength > 0) at += contentLength;
    let list: string[] | null = null;
    if (listCount >= 0) {
      list = [];
      for (let k = 0; k < listCount; k++) {
        const length = bytes.readInt32LE(at);
        list.push(bytes.toString('utf8', at + 4, at + 4 + length));
        at += 4 + length;
      }
    }
    dir.lists.push(list);
  }
  return dir;
}
