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

/** Longest request line accepted; a client sending more is cut off (it is not speaking the protocol). */
const MAX_LINE = 1 << 20;

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
  const flush = () => {
    const data = pending.join('');
    pending = [];
    if (!socket.destroyed) socket.write(data);
  };
  return {
    write(line: string) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
    get destroyed() {
      return socket.destroyed;
    },
  };
}

function serveConnection(socket: Socket, dispatch: Dispatch, counter: RequestCounter, beforeEnd?: () => void): void {
  const open = new Map<unknown, SocketReply>();
  const out = bufferedWriter(socket);
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) handleLine(line);
    }
    if (buffer.length > MAX_LINE) socket.destroy();
  });
  socket.on('error', () => {
    /* a client that vanished mid-write: 'close' follows */
  });
  socket.on('close', () => {
    for (const reply of [...open.values()]) reply.abandon();
    open.clear();
  });

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
