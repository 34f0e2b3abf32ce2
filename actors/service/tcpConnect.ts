/**
 * A bare tcp connect for the probes: open, see it accepted, close. Through
 * `net.Socket` one attempt costs about 55 µs of CPU on our VM, half of it a
 * stream that is never read or written; the kernel's part is about 20 µs.
 * With a thousand probes a second that is the difference between missing
 * and meeting the supervisor's budget (docs/PERFORMANCE.md), so for an IP
 * address this goes one level down, to the libuv tcp handle `net` itself is
 * built on (`process.binding('tcp_wrap')`: internal, documented as
 * deprecated, stable for a decade). A name, a Node without that binding, or
 * S6RC_PROBE_CONNECT=net take `net.connect`; both report the same reasons.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** Called once: null when the connection was accepted, else why not (one line). */
export type Connected = (failure: string | null) => void;

/** Aborts a connect in flight: its socket is closed and `Connected` is not called. */
export type AbortConnect = () => void;

const ERRNO_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (temporary)',
  EMFILE: 'too many open files in the supervisor',
  ENFILE: 'too many open files in the system',
};

/** An errno name in words ("connection refused"), else the name itself. */
export function errnoWords(code: string): string {
  return ERRNO_WORDS[code] ?? code;
}

/** What `tcp_wrap` gives, as far as we use it (see Node's lib/net.js, internalConnect and afterConnect). */
interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  close(): void;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
}
interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

function loadTcpWrap(): TcpWrap | null {
  if (process.env.S6RC_PROBE_CONNECT === 'net') return null;
  try {
    const wrap = (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');
    return typeof wrap.TCP === 'function' && typeof wrap.TCPConnectWrap === 'function' && typeof wrap.constants?.SOCKET === 'number' ? wrap : null;
  } catch {
    return null;
  }
}

let tcpWrap: TcpWrap | null | undefined;

/** Which way connects go; the tests and the benchmark say it. */
export function connectPath(): 'handle' | 'net' {
  tcpWrap ??= loadTcpWrap();
  return tcpWrap ? 'handle' : 'net';
}

/** Where a probe connects, parsed once: `family` is 4 or 6 for an IP address, 0 for a name. */
export interface TcpTarget {
  host: string;
  port: number;
  family: number;
}

/** `host` without brackets (`::1`, not `[::1]`). */
export function tcpTarget(host: string, port: number): TcpTarget {
  return { host, port, family: isIP(host) };
}

/**
 * Connects to `target` and reports once through `done`, never
 * synchronously; the connection is closed as soon as it is accepted.
 * `path` is for the tests, which try both.
 *
 * @example const abort = connectOnce(tcpTarget('127.0.0.1', 8080), (failure) => console.log(failure ?? 'accepted'));
 */
export function connectOnce(target: TcpTarget, done: Connected, path = connectPath()): AbortConnect {
  if (target.family !== 0 && path === 'handle' && connectPath() === 'handle') {
    try {
      return handleConnect(tcpWrap!, target, done);
    } catch {
      tcpWrap = null; // the binding is not what we expect here: net from now on
    }
  }
  return socketConnect(target, done);
}

function handleConnect(wrap: TcpWrap, { host, port, family }: TcpTarget, done: Connected): AbortConnect {
  const handle = new wrap.TCP(wrap.constants.SOCKET);
  const req = new wrap.TCPConnectWrap();
  let open = true;
  const close = () => {
    if (!open) return false;
    open = false;
    handle.close();
    return true;
  };
  req.oncomplete = (status) => {
    if (close()) done(status === 0 ? null : errnoWords(getSystemErrorName(status)));
  };
  const err = family === 4 ? handle.connect(req, host, port) : handle.connect6(req, host, port);
  if (err !== 0) {
    // Refused before it started (EADDRNOTAVAIL, EMFILE...): still reported on a later turn.
    process.nextTick(() => {
      if (close()) done(errnoWords(getSystemErrorName(err)));
    });
  }
  return close;
}

function socketConnect(target: TcpTarget, done: Connected): AbortConnect {
  const socket: Socket = netConnect(target.port, target.host);
  socket.pause(); // never read: spares the read watch
  let open = true;
  const close = () => {
    if (!open) return false;
    open = false;
    socket.destroy();
    return true;
  };
  socket.on('connect', () => {
    if (close()) done(null);
  });
  // Stays on after close: destroy() may still emit an error, and an unhandled one would throw.
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (close()) done(error.code ? errnoWords(error.code) : oneLineMessage(error));
  });
  return () => {
    close();
  };
}

function oneLineMessage(error: Error): string {
  // eslint-disable-next-line no-control-regex
  return error.message.replace(/[\x00-\x1f\x7f]+/g, ' ');
}
