/**
 * The control socket: newline-delimited JSON, many concurrent requests per
 * connection told apart by `id`, each answered by a stream of progress lines
 * and one final result or error (docs/protocol.md).
 */
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import { socketAddress } from '../../protocol/socketAddress.js';
import { SocketReply, type LineWriter } from './reply.js';

export type Dispatch = (request: Record<string, unknown>, reply: SocketReply) => void;

/** The listening socket and what `info` reports of it. */
export interface ControlServer {
  /** Requests still open on every connection, by operation. */
  readonly openRequests: ReadonlyMap<string, number>;
  close(): void;
  /**
   * Resolves once every line already written to a connection has left this
   * process (handed to the kernel), or after `maxMs`: a client that stopped
   * reading cannot hold up the supervisor's exit.
   */
  flushed(maxMs: number): Promise<void>;
}

/** Counts the open requests by operation. */
class RequestCounter {
  readonly open = new Map<string, number>();

  count(op: unknown, delta: number): void {
    const key = String(op);
    const n = (this.open.get(key) ?? 0) + delta;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }
}

/**
 * What one connection may cost the supervisor (docs/protocol.md, "Limits"),
 * whatever the client does: a client over a bound is not speaking the
 * protocol, or not listening, and is disconnected (its open requests end as
 * if it had gone: a change stops scheduling, a subscription ends).
 */
export const CONNECTION_LIMITS = {
  /** Longest request line (1 MiB): a client sending more gets one error line and is disconnected. */
  maxLine: 1 << 20,
  /**
   * Output a client may leave unread (16 MiB, beyond what the kernel's socket
   * buffer holds): a line that would take it past this is not queued, and the
   * client, which is not reading, is disconnected instead of being buffered
   * for without end. A single answer bigger than this (`status` of 10,000
   * services) still goes out when nothing else is waiting.
   */
  maxUnread: 16 << 20,
  /** Requests open at once on one connection (1024): more fail with exit 111 until some end. */
  maxOpenRequests: 1024,
};

/** How long a client cut off for a long line has to read its error line before the connection is destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * Listens on `path` (mode 0600); a stale socket file left by a dead supervisor is replaced.
 * `beforeEnd` runs before every request's final line is written (the supervisor commits its event log there).
 */
export async function startControlServer(path: string, dispatch: Dispatch, beforeEnd?: () => void): Promise<ControlServer> {
  try {
    unlinkSync(path);
  } catch {
    /* no stale socket */
  }
  const counter = new RequestCounter();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, dispatch, counter, beforeEnd);
  });
  // A live directory deeper than a socket address allows is reached through its fd.
  const address = socketAddress(dirname(path), basename(path));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    address.release();
  }
  chmodSync(path, 0o600);
  return { openRequests: counter.open, close: () => server.close(), flushed: (maxMs) => flushed(sockets, maxMs) };
}

/** See `ControlServer.flushed`. */
async function flushed(sockets: Set<Socket>, maxMs: number): Promise<void> {
  // Two turns: a reply written in this turn is queued for the next one (bufferedWriter).
  for (let turn = 0; turn < 2; turn++) await new Promise((r) => setImmediate(r));
  const pending = [...sockets].filter((s) => !s.destroyed && s.writableLength > 0);
  if (!pending.length) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending.map((s) => new Promise((r) => (s.once('drain', r), s.once('close', r))))),
    new Promise((r) => (timer = setTimeout(r, maxMs))),
  ]);
  clearTimeout(timer);
}

/**
 * Collects the lines written to one connection during an event-loop turn and
 * sends them in one write: a burst of status changes (1000 services starting)
 * costs one syscall per turn, not one per message.
 */
function bufferedWriter(socket: Socket): LineWriter {
  let pending: string[] = [];
  /** Characters in `pending` (JSON is mostly ASCII: about its bytes). */
  let pendingSize = 0;
  const flush = () => {
    const data = pending.join('');
    pending = [];
    pendingSize = 0;
    if (!socket.destroyed) socket.write(data);
  };
  return {
    write(line: string) {
      if (socket.destroyed) return;
      // What the client has not read yet, in the socket's buffer and in this turn's batch. One
      // answer bigger than the bound goes out alone; more on top of unread output means the
      // client is not reading, and holding on to it all would have no end.
      const unread = socket.writableLength + pendingSize;
      if (unread > 0 && unread + line.length > CONNECTION_LIMITS.maxUnread) {
        pending = [];
        pendingSize = 0;
        socket.destroy();
        return;
      }
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
      pendingSize += line.length;
    },
    get destroyed() {
      return socket.destroyed;
    },
  };
}

function serveConnection(socket: Socket, dispatch: Dispatch, counter: RequestCounter, beforeEnd?: () => void): void {
  const open = new Map<unknown, SocketReply>();
  const out = bufferedWriter(socket);
  /** The start of a line whose end has not come yet. */
  let buffer = '';
  /** Set once the client is being disconnected: nothing more it sends is read. */
  let cut = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (cut) return;
    // Only the new chunk is searched: a long line arriving in pieces costs its length, not its square.
    let start = 0;
    let nl: number;
    while (!cut && !socket.destroyed && (nl = chunk.indexOf('\n', start)) >= 0) {
      const line = buffer + chunk.slice(start, nl);
      buffer = '';
      start = nl + 1;
      if (line.length > CONNECTION_LIMITS.maxLine) return tooLong();
      if (line.trim()) handleLine(line);
    }
    if (cut || socket.destroyed) return;
    buffer += chunk.slice(start);
    if (buffer.length > CONNECTION_LIMITS.maxLine) tooLong();
  });
  socket.on('error', () => {
    /* a client that vanished mid-write: 'close' follows */
  });
  socket.on('close', () => {
    for (const reply of [...open.values()]) reply.abandon();
    open.clear();
  });

  /** A line over maxLine: one error line after the answers already due, then the connection is closed. */
  function tooLong(): void {
    cut = true;
    buffer = '';
    const message = `request line longer than ${CONNECTION_LIMITS.maxLine} bytes: connection closed`;
    out.write(JSON.stringify({ id: null, type: 'error', exitCode: 100, message }) + '\n');
    // After this turn's flush (queued before): end, and close for good even if the client never reads it.
    setImmediate(() => {
      socket.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
  }

  function handleLine(line: string): void {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(line);
      if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new Error('not an object');
    } catch {
      out.write(JSON.stringify({ id: null, type: 'error', exitCode: 100, message: 'request is not a JSON object' }) + '\n');
      return;
    }
    if (request.cancel !== undefined) {
      open.get(request.cancel)?.abandon();
      return;
    }
    const id = request.id ?? null;
    if (open.size >= CONNECTION_LIMITS.maxOpenRequests) {
      const message = `too many open requests on this connection (${CONNECTION_LIMITS.maxOpenRequests}): wait for some to end, or cancel them`;
      out.write(JSON.stringify({ id, type: 'error', exitCode: 111, message }) + '\n');
      return;
    }
    if (open.has(id)) {
      out.write(JSON.stringify({ id, type: 'error', exitCode: 100, message: `request id ${JSON.stringify(id)} is already in use on this connection` }) + '\n');
      return;
    }
    const reply = new SocketReply(
      out,
      id,
      (r) => {
        open.delete(r.id);
        counter.count(request.op, -1);
      },
      beforeEnd,
    );
    open.set(id, reply);
    counter.count(request.op, +1);
    try {
      dispatch(request, reply);
    } catch (err) {
      reply.fail(111, `internal error: ${(err as Error).message}`);
    }
  }
}
