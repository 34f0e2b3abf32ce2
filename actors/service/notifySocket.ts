/**
 * The sd_notify receiver of a longrun with a `notify-socket` file: run gets
 * NOTIFY_SOCKET and may speak sd_notify(3) (READY=1, STATUS=, MAINPID=,
 * WATCHDOG=1, ...). Node has no AF_UNIX datagram sockets, so the socket is the
 * addon's (native/notify.c); this module chooses its address, checks senders
 * where the file system cannot, and parses the messages.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { loadAddon } from '../../store/loadAddon.js';

/** One sd_notify datagram. */
export interface NotifyMessage {
  ready: boolean;
  stopping: boolean;
  reloading: boolean;
  watchdog: boolean;
  status: string | null;
  mainPid: number | null;
  /** WATCHDOG_USEC= if sent */
  watchdogUsec: number | null;
  /** every KEY=VALUE line */
  fields: Record<string, string>;
}

/** An open notify socket. */
export interface NotifySocket {
  /** what to put in NOTIFY_SOCKET */
  address: string;
  /** Stops listening, closes the socket and unlinks its path; a second call does nothing. */
  close(): void;
}

export interface NotifySocketOptions {
  /**
   * The uid the service runs as, when it is not the supervisor's: the socket
   * (mode 0600) is then chowned to it, and on an abstract address its
   * datagrams are accepted too. Its directories must still let it through.
   */
  uid?: number;
}

/** The addon's side; see native/notify.c. */
interface NativeNotify {
  notifyOpen(address: string, owner: number, onDatagram: (text: string, pid: number | null, uid: number | null) => void): { close(): void };
}

const UNAVAILABLE = 'notify-socket needs the native addon (native/notify.c), which did not build';

/** sockaddr_un's sun_path holds 108 bytes, the path's NUL included. */
const MAX_PATH_BYTES = 107;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses an sd_notify message: newline-separated KEY=VALUE lines, a later
 * line winning over an earlier one with the same key. Lines without `=`, with
 * a key that is not an environment variable's name, or with a NUL are ignored.
 *
 * @example parseNotifyMessage('READY=1\nSTATUS=up').ready // true
 */
export function parseNotifyMessage(text: string): NotifyMessage {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0 || line.includes('\0') || !KEY.test(line.slice(0, eq))) continue;
    fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const wholeNumber = (value: string | undefined, least: number): number | null => {
    const n = value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : NaN;
    return Number.isSafeInteger(n) && n >= least ? n : null;
  };
  return {
    ready: fields.get('READY') === '1',
    stopping: fields.get('STOPPING') === '1',
    reloading: fields.get('RELOADING') === '1',
    watchdog: fields.get('WATCHDOG') === '1',
    status: fields.get('STATUS') ?? null,
    mainPid: wholeNumber(fields.get('MAINPID'), 1),
    watchdogUsec: wholeNumber(fields.get('WATCHDOG_USEC'), 0),
    // fromEntries defines each key as an own property, `__proto__` included.
    fields: Object.fromEntries(fields),
  };
}

let loaded: NativeNotify | null | undefined;

function nativeNotify(): NativeNotify | null {
  if (loaded === undefined) {
    const addon = loadAddon<Partial<NativeNotify>>('s6rc_spawn');
    loaded = typeof addon?.notifyOpen === 'function' ? (addon as NativeNotify) : null;
  }
  return loaded;
}

/** False when the addon is not available (then the caller reports "notify-socket needs the native addon (native/notify.c), which did not build"). */
export function notifySocketsSupported(): boolean {
  return nativeNotify() !== null;
}

/**
 * Where a socket for `path` listens: the path itself, or, when it is too long
 * for sockaddr_un, an abstract address named after it.
 */
function notifyAddress(path: string): { address: string; abstract: boolean } {
  if (path.startsWith('@')) return { address: path, abstract: true };
  const absolute = resolve(path); // sd_notify accepts only absolute paths and '@' names
  if (Buffer.byteLength(absolute) <= MAX_PATH_BYTES) return { address: absolute, abstract: false };
  return { address: '@s6rc/' + createHash('sha256').update(absolute).digest('hex').slice(0, 32), abstract: true };
}

/**
 * Opens a notify socket at `path` (mode 0600, replacing a stale socket left
 * there) and calls `onMessage` for each datagram, with its sender's pid (null
 * when not visible from our pid namespace) and uid from the kernel's
 * credentials. Throws an Error (with the errno name as `code`) when it cannot.
 *
 * A path too long for a socket (over 107 bytes) is served on an abstract
 * address instead, '@s6rc/' and 32 hex digits of its sha256. An abstract
 * socket has no file permissions: anyone in our network namespace could
 * write to it, so there only datagrams from our own uid, root, or
 * `options.uid` are accepted, the others dropped unread.
 *
 * @example
 * const socket = openNotifySocket(`${dir}/notify`, (m) => m.ready && onReady());
 * env.NOTIFY_SOCKET = socket.address;
 */
export function openNotifySocket(
  path: string,
  onMessage: (message: NotifyMessage, sender: { pid: number | null; uid: number | null }) => void,
  options: NotifySocketOptions = {},
): NotifySocket {
  const addon = nativeNotify();
  if (!addon) throw new Error(UNAVAILABLE);
  const { address, abstract } = notifyAddress(path);
  const trusted = new Set([0, process.getuid?.(), process.geteuid?.(), options.uid]);
  const onDatagram = (text: string, pid: number | null, uid: number | null) => {
    if (abstract && (uid === null || !trusted.has(uid))) return;
    onMessage(parseNotifyMessage(text), { pid, uid });
  };
  try {
    const handle = addon.notifyOpen(address, options.uid ?? -1, onDatagram);
    return { address, close: () => handle.close() };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const where = address === path ? address : `${address} (for ${path})`;
    throw Object.assign(new Error(`cannot open the notify socket ${where}: ${error.message}`), { code: error.code });
  }
}
