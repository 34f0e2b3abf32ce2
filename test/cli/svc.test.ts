import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, makeLive, until, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

function pidOf(l: TestLive, name: string): number {
  return Number(l.run('status', '-p', name).stdout.trim());
}

function started(root = ''): TestLive {
  const l = makeLive({
    d: {
      type: 'longrun',
      // Records every signal it gets in ./data/signals, then keeps running.
      run: 'for s in HUP USR1 USR2 QUIT ALRM INT; do trap "echo $s >> ./data/signals" $s; done; echo >&3; while :; do sleep 0.05; done',
      notificationFd: 3,
      files: { 'data/signals': '' },
    },
    one: { type: 'oneshot', up: 'true' },
  });
  void root;
  lives.push(l);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

describe('s6rc svc', () => {
  it('-u / -d start and stop a longrun without touching the live state', () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    const pid = pidOf(l, 'd');
    expect(isAlive(pid)).toBe(true);
    expect(l.run('status', '-N', 'd').stdout).toBe('false\n');
    expect(l.run('svc', '-d', '-wD', 'd').code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(l.run('status', '-uw', 'd').stdout).toBe('false false\n');
  });

  it('sends the signals s6-svc names', async () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    expect(l.run('svc', '-h', '-1', '-2', '-q', '-a', '-i', 'd').code).toBe(0);
    const file = join(l.live, 'servicedirs', 'd', 'data', 'signals');
    await until(() => readFileSync(file, 'utf8').split('\n').filter(Boolean).length === 6, 20_000, 'six signals');
    // The shell runs pending traps in its own order; what matters is that each signal arrived.
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['ALRM', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2']);
  });

  it('-k kills the run, which is respawned; -r restarts it; -wr waits for the restart', () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    const first = pidOf(l, 'd');
    expect(l.run('svc', '-k', '-wR', '-T', '5000', 'd').code).toBe(0);
    const second = pidOf(l, 'd');
    expect(second).not.toBe(first);
    expect(isAlive(first)).toBe(false);
    expect(l.run('svc', '-r', '-wr', '-T', '5000', 'd').code).toBe(0);
    expect(pidOf(l, 'd')).not.toBe(second);
  });

  it('-p pauses (SIGSTOP) and -c continues', async () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    const pid = pidOf(l, 'd');
    expect(l.run('svc', '-p', 'd').code).toBe(0);
    await until(() => /^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 20_000, 'stopped');
    expect(l.run('status', '-o', 'paused', 'd').stdout).toBe('true\n');
    expect(l.run('status', 'd').stdout).toContain(', paused');
    expect(l.run('svc', '-c', 'd').code).toBe(0);
    await until(() => !/^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 20_000, 'continued');
    expect(l.run('status', '-o', 'paused', 'd').stdout).toBe('false\n');
  });

  it('-o starts it once: not respawned when it dies', async () => {
    const l = started();
    expect(l.run('svc', '-o', '-wU', 'd').code).toBe(0);
    const pid = pidOf(l, 'd');
    expect(l.run('svc', '-k', '-wd', '-T', '5000', 'd').code).toBe(0);
    // Its death took it down, not back to starting: no respawn is scheduled from there.
    const exited = JSON.parse(l.run('history', '--json', '--service', 'd', '--limit', '1').stdout);
    expect(exited).toMatchObject({ event: 'run.exited', from: 'ready', to: 'down' });
    expect(l.run('status', '-u', 'd').stdout).toBe('false\n');
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses signals to oneshots (5), unknown names (3), bad usage (100)', () => {
    const l = started();
    expect(l.run('svc', '-k', 'one').code).toBe(5);
    expect(l.run('svc', '-u', 'zork').code).toBe(3);
    expect(l.run('svc', 'd').code).toBe(100);
    expect(l.run('svc', '-wz', 'd').code).toBe(100);
  });
});
