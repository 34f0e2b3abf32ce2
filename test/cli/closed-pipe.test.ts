/**
 * A reader that leaves early (`s6rc status | head -3`) ends the command
 * quietly, as it ends `cat`: exit 0 or 141 (SIGPIPE's status), nothing on
 * stderr. Each command runs through a real pipe whose reader is destroyed
 * after the first chunk, while the command still has output to write.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC, tempDir } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';
import { openEventStore } from '../../store/events/open.js';
import { oneshotUp, writeChange } from './fixtures/eventLog.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Runs `s6rc args`, closes its stdout after the first chunk, and returns how it ended. */
function readOneChunk(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; chunk: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [S6RC, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let chunk = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', (d: Buffer) => {
      chunk = d.toString('utf8');
      child.stdout.destroy();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s6rc ${args.join(' ')} did not end after its reader left`));
    }, 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, chunk });
    });
  });
}

function expectQuietEnd(r: Awaited<ReturnType<typeof readOneChunk>>): void {
  expect(r.chunk.length).toBeGreaterThan(0);
  expect(r.signal).toBeNull();
  expect([0, 141]).toContain(r.code);
  expect(r.stderr).not.toMatch(/Error|EPIPE|\n\s+at /);
  expect(r.stderr).toBe('');
}

describe('a closed stdout ends the command quietly', () => {
  it('history --json | head -1', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const live = join(t.dir, 'live');
    const store = openEventStore(join(t.dir, 'events.db'));
    store.startBoot(live, join(live, 'compiled'), 1_000);
    // 3000 services' worth of events: far more than a pipe holds.
    const steps = Array.from({ length: 3000 }, (_, i) => oneshotUp(`s${i}`, i * 3, i * 3 + 2)).flat();
    writeChange(store, 10_000, ['s6rc', 'change', 'all'], steps, 0);
    store.close();
    expectQuietEnd(await readOneChunk(['history', '-s', join(t.dir, 'events.db'), '--json']));
  });

  it('status | head -3 with 10,000 services', async () => {
    const l: TestLive = makeLive(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`s${i}`, { type: 'oneshot', up: '/bin/true' }])));
    cleanups.push(() => l.cleanup());
    const init = l.run('init', '-c', l.compiled);
    expect(init.code, init.stderr).toBe(0);
    expectQuietEnd(await readOneChunk(['status', '-l', l.live]));
  });

  it('db script a | head, for a script longer than a pipe holds', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `echo line ${i}`).join('\n');
    const l = makeLive({ a: { type: 'oneshot', up: `#!/bin/sh\n${body}` } });
    cleanups.push(() => l.cleanup());
    expectQuietEnd(await readOneChunk(['db', '-c', l.compiled, 'script', 'a']));
  });
});
