/** How compile reads the files of definition directories into memory (readSource.ts parses them). */
import { fs } from '../compiled/nodeFs.js';
import { Fatal, systemFatal } from '../../machines/errors.js';
import { COMPILE_PROGRAM, sourceError } from './sourceError.js';
import { quote } from './quote.js';

/**
 * The source error for `err`, met following `path` (an entry its directory
 * lists), when `path` is a symlink that leads nowhere; null for any other
 * error. s6-rc-compile stops on these too (its stat or open fails): silently
 * skipping a dangling service, or taking a dangling `finish` for an absent
 * one, would compile something else than what the source says.
 */
export function brokenLink(path: string, err: unknown): Fatal | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ELOOP') return sourceError('symlink loop (too many levels of symbolic links)', path);
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
  try {
    fs.statSync(path);
    return null; // it resolves: the error was about something else
  } catch {
    // does not resolve: say where it points, if it is a link at all
  }
  let target: string;
  try {
    target = fs.readlinkSync(path);
  } catch {
    return null;
  }
  return sourceError(`dangling symlink to ${quote(target)}`, path);
}

/** Whether `path` (an entry its directory lists) leads to a directory; a link that leads nowhere is a source error. */
export function isDirectoryAt(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch (err) {
    throw brokenLink(path, err) ?? systemFatal(`unable to stat ${path}`, err, COMPILE_PROGRAM);
  }
}

/** Stops with the source error if `path` (an entry its directory lists) is a symlink that leads nowhere. */
export function checkLink(path: string): void {
  isDirectoryAt(path);
}

const MiB = 1024 * 1024;

/**
 * The most compile reads of one file of a definition (`type`, `up`, `run`,
 * `dependencies`, ...; README, "Source directories"). s6-rc's files are a few
 * lines; an up/down file is lexed into an argv many times its size in memory,
 * so an unbounded one could take compile's memory with it.
 */
export const DEFINITION_FILE_MAX = 1 * MiB;

/**
 * The most the files of every data/ and env/ of one compile hold together.
 * They are copied verbatim and may be bigger than a script, but they go into
 * the compiled database, which every supervisor keeps in memory; big files
 * belong outside the definition, referred to by path.
 */
export const COPIED_TOTAL_MAX = 32 * MiB;

/** What is left of COPIED_TOTAL_MAX in this compile (`resetReading` starts over). */
let copiedLeft = COPIED_TOTAL_MAX;

/**
 * One reusable read buffer: small files are read with open, one read and close
 * (three system calls, the fewest possible), which is most of compile's time.
 */
const SCRATCH_SIZE = 64 * 1024;
let scratch = Buffer.allocUnsafe(SCRATCH_SIZE);

/** Read-only and non-blocking (no effect on regular files; a FIFO opens at once instead of waiting for a writer). */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;

/** A file found bigger than its limit (`size`: its size, or the bytes seen before giving up). */
type TooLarge = (path: string, size: number) => Fatal;

const definitionTooLarge: TooLarge = (path, size) =>
  sourceError(`file too large (${size} bytes; compile reads at most ${DEFINITION_FILE_MAX / MiB} MiB of a definition's file)`, path);

const copiedTooLarge: TooLarge = (path) =>
  sourceError(
    `data/ and env/ too large (with this file, more than ${COPIED_TOTAL_MAX / MiB} MiB in all the definitions; keep big files outside and refer to them by path)`,
    path,
  );

/**
 * Reads a file into the scratch buffer and returns its length (valid until the
 * next read); null if it does not exist (any more: callers read only what the
 * directory lists, so a symlink there that leads nowhere is an error). A file
 * of more than `max` bytes is an error, found before it is read into memory.
 */
function readIntoScratch(path: string, max = DEFINITION_FILE_MAX, tooLarge: TooLarge = definitionTooLarge): number | null {
  let fd: number;
  try {
    // Non-blocking: a FIFO in a definition would otherwise block compile forever in open (or read).
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (err) {
    const broken = brokenLink(path, err);
    if (broken) throw broken;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw systemFatal(`unable to open ${path}`, err, COMPILE_PROGRAM);
  }
  try {
    let len = fs.readSync(fd, scratch, 0, scratch.length, null);
    // A short read of a regular file is its end: no extra read just to see 0, no fstat (the common case).
    // Nothing read may also be a FIFO or a device (/dev/null): those are checked, as a big file is.
    if (len > 0 && len < scratch.length && len <= max) return len;
    // A big file (or not a file): its size first, so that nothing beyond `max` is read.
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw sourceError('not a regular file', path);
    if (st.size > max || len > max) throw tooLarge(path, Math.max(st.size, len));
    // Read on, up to max + 1 bytes at most: a file that grows meanwhile is still cut off.
    const cap = Math.min(Math.max(st.size, len) + 1, max + 1);
    if (scratch.length < cap) {
      const bigger = Buffer.allocUnsafe(cap);
      scratch.copy(bigger, 0, 0, len);
      scratch = bigger;
    }
    while (len < cap) {
      const n = fs.readSync(fd, scratch, len, cap - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > max) throw tooLarge(path, len);
    return len;
  } catch (err) {
    if (err instanceof Fatal) throw err;
    // EAGAIN: a FIFO with a writer but no data yet.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EAGAIN') throw sourceError('not a regular file', path);
    throw systemFatal(`unable to read ${path}`, err, COMPILE_PROGRAM);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file's bytes as a view of the scratch buffer (valid until the next read); null if it does not exist. */
export function readView(path: string): Buffer | null {
  const len = readIntoScratch(path);
  return len === null ? null : scratch.subarray(0, len);
}

/**
 * Small contents repeat across services (the same run script, `3\n`): one
 * shared, never-mutated buffer per distinct content means fewer allocations
 * to collect and lets the writer hash each distinct buffer once.
 */
const INTERN_MAX = 4096;
const interned = new Map<string, Buffer>();

/** The buffer for bytes[start, end), shared with every earlier file of the same small content. */
function intern(bytes: Buffer, start: number, end: number): Buffer {
  if (end - start > INTERN_MAX) return Buffer.from(bytes.subarray(start, end));
  const key = bytes.toString('latin1', start, end);
  let shared = interned.get(key);
  if (shared === undefined) interned.set(key, (shared = Buffer.from(key, 'latin1')));
  return shared;
}

/** A file's bytes (shared with identical small files, see `intern`); null if it does not exist. */
export function readBytes(path: string): Buffer | null {
  const len = readIntoScratch(path);
  return len === null ? null : intern(scratch, 0, len);
}

/** A file of data/ or env/, counted against COPIED_TOTAL_MAX; null if it does not exist. */
export function readCopied(path: string): Buffer | null {
  const len = readIntoScratch(path, copiedLeft, copiedTooLarge);
  if (len === null) return null;
  copiedLeft -= len;
  return intern(scratch, 0, len);
}

/** Contents made from text (numbers, signal names), by text: no buffer to make for the 3000th `3\n`. */
const internedText = new Map<string, Buffer>();

/** `text` as file content, shared like `readBytes`' result. */
export function textBytes(text: string): Buffer {
  let shared = internedText.get(text);
  if (shared === undefined) {
    const bytes = Buffer.from(text);
    internedText.set(text, (shared = intern(bytes, 0, bytes.length)));
  }
  return shared;
}

/** A file's text (UTF-8); null if it does not exist. */
export function readText(path: string): string | null {
  const len = readIntoScratch(path);
  return len === null ? null : scratch.toString('utf8', 0, len);
}

/** Drops the shared contents and starts COPIED_TOTAL_MAX over (end of a compile: the model holds what it needs). */
export function resetReading(): void {
  interned.clear();
  internedText.clear();
  copiedLeft = COPIED_TOTAL_MAX;
  if (scratch.length > SCRATCH_SIZE) scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
}
