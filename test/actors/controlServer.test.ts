/**
 * The control socket's per-connection bounds (docs/protocol.md, "Limits"),
 * against the server alone with a dispatch written for the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { CONNECTION_LIMITS, startControlServer, type ControlServer, type Dispatch } from '../../actors/supervisor/controlServer.js';
import { tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

async function serve(dispatch: Dispatch): Promise<{ path: string; server: ControlServer }> {
  const t = tempDir('s6rc-ctl-');
  const path = join(t.dir, 'control');
  const server = await startControlServer(path, dispatch);
  cleanups.push(t.cleanup, () => server.close());
  return { path, server };
}

function client(path: string): { socket: Socket; lines: () => Record<string, unknown>[]; closed: Promise<void> } {
  const socket = connect(path);
  cleanups.push(() => socket.destroy());
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { socket, lines, closed };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

const echo: Dispatch = (req, reply) => reply.end({ echo: req.op } as never);

describe('control server bounds', () => {
  it('answers a line longer than maxLine with one error, then closes; nothing of it is dispatched', async () => {
    const seen: unknown[] = [];
    const { path } = await serve((req, reply) => (seen.push(req), echo(req, reply)));
    const c = client(path);
    c.socket.write('{"id":1,"op":"a"}\n');
    // More than the bound, with no newline, in pieces (as a client that never ends its line).
    const piece = 'x'.repeat(64 * 1024);
    for (let sent = 0; sent <= CONNECTION_LIMITS.maxLine; sent += piece.length) c.socket.write(piece);
    await c.closed;
    expect(c.lines()).toEqual([
      { id: 1, type: 'result', data: { echo: 'a' } },
      { id: null, type: 'error', exitCode: 100, message: `request line longer than ${CONNECTION_LIMITS.maxLine} bytes: connection closed` },
    ]);
    expect(seen).toHaveLength(1);
  });

  it('takes a line just under the bound, and a partial line closed early is never dispatched', async () => {
    const seen: unknown[] = [];
    const { path } = await serve((req, reply) => (seen.push(req), echo(req, reply)));
    const c = client(path);
    const pad = 'p'.repeat(CONNECTION_LIMITS.maxLine - 40);
    c.socket.write(`{"id":1,"op":"big","pad":"${pad}"}\n`);
    await until(() => c.lines().length === 1, 'the answer');
    expect(c.lines()[0]).toEqual({ id: 1, type: 'result', data: { echo: 'big' } });
    const d = client(path);
    d.socket.end('{"id":2,"op":"half');
    await d.closed;
    expect(seen).toHaveLength(1);
  });

  // Before this bound, a client that sent status requests and never read grew the supervisor's memory
  // by every answer (400,000 requests: VmRSS +90 MB and growing; with it, +47 MB, flat: see the report of issue 13).
  it('disconnects a client that leaves more than maxUnread unanswered output, and ends its open requests', async () => {
    let abandoned = 0;
    let answered = 0;
    const big = 'y'.repeat(64 * 1024);
    const { path } = await serve((req, reply) => {
      if (req.op === 'stream') {
        reply.onClose(() => abandoned++);
        return; // stays open
      }
      answered++;
      reply.end({ big } as never);
    });
    const socket = connect(path);
    cleanups.push(() => socket.destroy());
    socket.on('error', () => {});
    socket.pause(); // never reads (so it never sees the server's close either: the server's side is checked)
    socket.write('{"id":"s","op":"stream"}\n');
    // 64 KiB per answer: enough requests for several times maxUnread.
    const n = Math.ceil((3 * CONNECTION_LIMITS.maxUnread) / big.length);
    for (let i = 0; i < n; i += 100) socket.write(Array.from({ length: 100 }, (_, j) => `{"id":${i + j},"op":"big"}\n`).join(''));
    await until(() => abandoned === 1, 'the open request abandoned by the disconnection');
    expect(answered).toBeLessThan(n);
  });

  it('refuses more than maxOpenRequests open requests on one connection, with exit 111, until some end', async () => {
    const open: { end(r: never): void }[] = [];
    const { path, server } = await serve((_req, reply) => void open.push(reply as never));
    const c = client(path);
    const max = CONNECTION_LIMITS.maxOpenRequests;
    c.socket.write(Array.from({ length: max + 2 }, (_, i) => `{"id":${i},"op":"hold"}\n`).join(''));
    await until(() => c.lines().length === 2, 'the refusals');
    expect(c.lines().map((l) => [l.id, l.exitCode])).toEqual([
      [max, 111],
      [max + 1, 111],
    ]);
    expect(server.openRequests.get('hold')).toBe(max);
    open[0].end({} as never);
    c.socket.write(`{"id":"again","op":"hold"}\n`);
    await until(() => open.length === max + 1, 'the request after one ended');
  });

  // Found by test/reliability/fuzz-socket.test.ts, seed 816248652: `status` of a service named
  // "a<newline>b" failed with the message 'unknown service name: a<newline>b', two lines.
  it('keeps every error message one line, whatever the names in it hold', async () => {
    const { path } = await serve((req, reply) => reply.fail(3, `unknown service name: ${String((req.services as string[])[0])}`));
    const c = client(path);
    c.socket.write(`${JSON.stringify({ id: 1, op: 'status', services: ['a\nb\u001b[31m'] })}\n`);
    await until(() => c.lines().length === 1, 'the answer');
    expect(c.lines()[0]).toEqual({ id: 1, type: 'error', exitCode: 3, message: 'unknown service name: a\\nb\\u001b[31m' });
  });

  it('answers random bytes and malformed JSON with id null, exit 100, and goes on', async () => {
    const { path } = await serve(echo);
    const c = client(path);
    c.socket.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x7b, 0x0a]));
    c.socket.write('[1,2]\nnull\n"str"\n{"id":7,"op":"ok"}\n');
    await until(() => c.lines().length === 6, 'six answers');
    expect(c.lines().map((l) => [l.id, l.type])).toEqual([
      [null, 'error'],
      [null, 'error'],
      [null, 'error'],
      [null, 'error'],
      [null, 'error'],
      [7, 'result'],
    ]);
  });
});
