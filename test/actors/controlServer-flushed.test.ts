/**
 * The control server's `flushed`: what a supervisor waits for before it
 * exits after a shutdown. Regression: a supervisor used to exit 50 ms after
 * answering a shutdown; with 10,000 services its progress lines took longer
 * to leave, and `s6rc shutdown` failed with "went away before confirming the
 * shutdown" (exit 111), found by hand while timing the startup bench suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const SERVER = resolve(__dirname, '../../dist/actors/supervisor/controlServer.js');

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/**
 * A process serving `path` that answers any request with `lines` progress
 * lines of 100 bytes and a result, then waits for `flushed` and exits at once,
 * as the supervisor does after a shutdown.
 */
function serverProcess(path: string, lines: number): ChildProcess {
  const script = `
    import { startControlServer } from ${JSON.stringify(SERVER)};
    const server = await startControlServer(${JSON.stringify(path)}, (req, reply) => {
      for (let i = 0; i < ${lines}; i++) reply.progress({ text: 'x'.repeat(90) });
      reply.end({ done: true });
      void server.flushed(60_000).then(() => process.exit(0));
    });
    process.stdout.write('listening\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

describe('ControlServer.flushed', () => {
  it('lets a slow reader receive every line of a long answer before the process exits', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'control');
    const server = serverProcess(path, 20_000); // ~2 MB: far more than a socket's buffers hold
    await new Promise((r) => server.stdout!.once('data', r));
    const lines = await new Promise<string[]>((resolveLines, reject) => {
      const socket = connect(path);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => {
        socket.write(JSON.stringify({ id: 1, op: 'anything' }) + '\n');
        // Read nothing while the server has answered and waits to exit.
        socket.pause();
        setTimeout(() => socket.resume(), 500);
      });
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolveLines(text.split('\n').filter(Boolean)));
    });
    expect(lines.length).toBe(20_001);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ id: 1, type: 'result', data: { done: true } });
  });
});
