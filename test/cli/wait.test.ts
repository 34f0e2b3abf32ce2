import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { S6RC } from '../helpers/cli.js';
import { info, makeLive, untilAsync as until, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

function started(): TestLive {
  const l = makeLive({
    slow: { type: 'longrun', run: 'sleep 0.5; echo >&3; exec sleep 1000', notificationFd: 3 },
    plain: { type: 'longrun', run: 'exec sleep 1000' },
    // Its run cannot be executed: the up transition fails for good.
    broken: { type: 'longrun', run: '', files: { run: '#!/nonexistent/interpreter\n' } },
    both: { type: 'bundle', contents: ['plain', 'slow'] },
  });
  lives.push(l);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

/** How many clients the supervisor is streaming status changes to (`s6rc wait` subscribes). */
async function subscribed(l: TestLive): Promise<number> {
  return ((await info(l)).openRequests as Record<string, number>).subscribe ?? 0;
}

/** Starts `s6rc wait` in the background; resolves with its exit code. */
function waitInBackground(l: TestLive, ...args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [S6RC, 'wait', '-l', l.live, ...args], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('s6rc wait', () => {
  it('-U waits for readiness, not just up, with no race against a fast transition', async () => {
    const l = started();
    const ready = waitInBackground(l, '-U', '-t', '10000', 'slow');
    const up = waitInBackground(l, '-u', '-t', '10000', 'slow');
    // Start slow only once both clients have subscribed, so they really wait for the transition.
    await until(async () => (await subscribed(l)) === 2, 20_000, 'both waits subscribed');
    const t0 = Date.now();
    expect(l.run('svc', '-u', 'slow').code).toBe(0);
    expect(await up).toBe(0);
    expect(await ready).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(l.run('status', '-r', 'slow').stdout).toBe('true\n');
  });

  it('exits 0 at once when the condition already holds, 99 on timeout', () => {
    const l = started();
    expect(l.run('wait', '-d', 'plain').code).toBe(0);
    const t0 = Date.now();
    expect(l.run('wait', '-u', '-t', '300', 'plain').code).toBe(99);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('-o is satisfied by one service, -a (default) needs all', () => {
    const l = started();
    expect(l.run('svc', '-u', '-wu', 'plain').code).toBe(0);
    expect(l.run('wait', '-o', '-u', 'plain', 'slow').code).toBe(0);
    expect(l.run('wait', '-u', '-t', '200', 'plain', 'slow').code).toBe(99);
  });

  it('a bundle stands for all its atomics, not one', () => {
    const l = started();
    expect(l.run('svc', '-u', '-wu', 'plain').code).toBe(0);
    // plain is up, slow is not: the bundle is not up yet.
    expect(l.run('wait', '-u', '-t', '300', 'both').code).toBe(99);
    expect(l.run('wait', '-o', '-u', 'both').code).toBe(0);
    expect(l.run('svc', '-u', '-wU', 'slow').code).toBe(0);
    expect(l.run('wait', '-U', '-t', '10000', 'both').code).toBe(0);
  });

  it('exits with the number of services that failed permanently', async () => {
    const l = started();
    const waiting = waitInBackground(l, '-u', '-t', '10000', 'broken', 'plain');
    await until(async () => (await subscribed(l)) === 1, 20_000, 'wait subscribed');
    expect(l.run('svc', '-u', 'broken', 'plain').code).toBe(0);
    expect(await waiting).toBe(1);
  });

  it('exits 102 when the supervisor goes away, 3 on an unknown name', async () => {
    const l = started();
    expect(l.run('wait', 'zork').code).toBe(3);
    const waiting = waitInBackground(l, '-u', 'slow');
    // Kill the supervisor only once the client has subscribed.
    await until(async () => (await subscribed(l)) === 1, 20_000, 'wait subscribed');
    process.kill(l.supervisorPid()!, 'SIGKILL');
    expect(await waiting).toBe(102);
  });
});
