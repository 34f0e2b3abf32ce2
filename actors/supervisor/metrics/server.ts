/**
 * The `--metrics` HTTP server (node:http): `GET /metrics` and nothing else.
 * It is bound before the supervisor opens its log or starts anything, so an
 * address in use stops the daemon at once (111), and it answers 503 until
 * the supervisor's metrics are handed to it (`serve`). A client that accepts
 * gzip (Prometheus does) gets it: writing to a socket costs the
 * supervisor's thread in proportion to the bytes, and the text compresses
 * about twenty-fold, in less time than writing it plain would take.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants, gzipSync } from 'node:zlib';
import { EXIT, Fatal } from '../../../machines/errors.js';

export interface MetricsServer {
  /** `http://HOST:PORT/metrics`, with the port the server got. */
  readonly url: string;
  /** From now on, `GET /metrics` answers `scrape()`'s pieces, one after the other, as `contentType`. */
  serve(scrape: () => Promise<Buffer[]>, contentType: string): void;
  close(): void;
}

/** Why listening failed, in words (Node's messages name the syscall first). */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'no such host',
};

/**
 * Listens on `host:port`; a failure is a Fatal with exit 111.
 *
 * @example
 *   const server = await listenMetrics({ host: '127.0.0.1', port: 9180 });
 *   server.serve(() => metrics.scrape(), metrics.contentType);
 */
export async function listenMetrics(address: { host: string; port: number }): Promise<MetricsServer> {
  let scrape: (() => Promise<Buffer[]>) | null = null;
  let type = 'text/plain; charset=utf-8';
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'not found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'method not allowed\n');
    }
    if (!scrape) return answer(res, 503, 'the supervisor is starting\n');
    scrape().then(
      (chunks) => send(req, res, type, chunks),
      (err: Error) => answer(res, 500, `unable to collect the metrics: ${err?.message ?? err}\n`),
    );
  });
  const shown = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const why = (err.code && LISTEN_ERRORS[err.code]) ?? err.message;
      reject(new Fatal(EXIT.system, `unable to serve metrics on ${shown}: ${why}`));
    };
    server.once('error', failed);
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // Once listening, a failed accept (out of fds) costs that scrape only; the supervisor goes on.
  server.on('error', (err) => process.stderr.write(`s6rc: warning: metrics server: ${err.message}\n`));
  return {
    url: `http://${shown}/metrics`,
    serve(fn, contentType) {
      scrape = fn;
      type = contentType;
    },
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** The metrics, gzipped if the client accepts it. */
function send(req: IncomingMessage, res: ServerResponse, type: string, chunks: Buffer[]): void {
  const head = req.method === 'HEAD';
  if (!acceptsGzip(req.headers['accept-encoding'])) {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': chunks.reduce((n, c) => n + c.length, 0) });
    if (!head) for (const c of chunks) res.write(c);
    res.end();
    return;
  }
  // Synchronously, at level 1: a few ms for 1000 services, where zlib's streams on the thread
  // pool need a turn of the event loop per piece and wait seconds behind a busy supervisor.
  const body = gzipSync(joined(chunks), { level: constants.Z_BEST_SPEED });
  res.writeHead(200, { 'Content-Type': type, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding', 'Content-Length': body.length });
  res.end(head ? undefined : body);
}

/**
 * The pieces one after the other in one buffer, kept from one scrape to the
 * next (gzip reads it at once, before anything else can run): joining
 * hundreds of KiB into fresh memory each time costs more than compressing
 * them.
 */
let scratch = Buffer.alloc(0);
function joined(chunks: Buffer[]): Buffer {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (scratch.length < total) scratch = Buffer.allocUnsafe(Math.max(total, scratch.length * 2));
  let offset = 0;
  for (const c of chunks) offset += c.copy(scratch, offset);
  return scratch.subarray(0, total);
}

/** `Accept-Encoding` names gzip (or `*`) without `q=0`. */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? '').split(',')) {
    const [coding, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
