import { afterEach, describe, expect, it } from 'vitest';
import { makeLive, until, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

function started(): TestLive {
  const l = makeLive({
    ready: { type: 'longrun', run: 'echo >&3; exec sleep 1000', notificationFd: 3 },
    quitter: { type: 'longrun', run: 'exit 3' },
    unready: { type: 'longrun', run: 'exec sleep 1000', notificationFd: 3 },
  });
  lives.push(l);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

describe('s6rc status', () => {
  it("prints s6-svstat's summary: up with pid and readiness, want down/up", () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'ready').code).toBe(0);
    expect(l.run('svc', '-u', '-wu', 'unready').code).toBe(0);
    const one = l.run('status', 'ready');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^up \(pid \d+\) \d+ seconds, normally down, ready \d+ seconds\n$/);
    const unready = l.run('status', 'unready');
    expect(unready.stdout).toMatch(/^up \(pid \d+\) \d+ seconds, normally down\n$/);
    const all = l.run('status');
    expect(all.stdout.split('\n').filter(Boolean).map((x) => x.split(':')[0])).toEqual(['quitter', 'ready', 'unready']);
    expect(all.stdout).toMatch(/^quitter: down \(exitcode 0\) \d+ seconds$/m);
  });

  it('shows the last exit code and signal of a dead run, -n as a number', async () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'ready').code).toBe(0);
    expect(l.run('svc', '-d', '-wD', 'ready').code).toBe(0);
    expect(l.run('status', 'ready').stdout).toMatch(/^down \(signal SIGTERM\) \d+ seconds, 1 death\n$/);
    expect(l.run('status', '-n', 'ready').stdout).toMatch(/^down \(signal 15\) \d+ seconds, 1 death\n$/);
    expect(l.run('status', '-o', 'up,signal,signum,exitcode,pid', 'ready').stdout).toBe('false SIGTERM 15 -1 -1\n');
    expect(l.run('svc', '-u', 'quitter').code).toBe(0);
    // It respawns every second and lives a few ms each time: it is seen down almost always.
    let summary = '';
    await until(() => /^down \(exitcode 3\)/.test((summary = l.run('status', 'quitter').stdout)), 20_000, 'quitter down with exit code 3');
    expect(summary).toMatch(/^down \(exitcode 3\) \d+ seconds, want up, \d+ deaths?, restarting in [01] seconds\n$/);
    await until(() => l.run('status', '-e', 'quitter').stdout === '3\n', 20_000, 'exitcode field 3');
  });

  it('prints -o fields and the -uwNrpest shortcuts in the order given, --json with the state', () => {
    const l = started();
    expect(l.run('svc', '-u', '-wU', 'ready').code).toBe(0);
    const r = l.run('status', '-o', 'up,wantedup,normallyup,ready,paused', '-p', 'ready');
    expect(r.stdout).toMatch(/^true true false true false \d+\n$/);
    expect(l.run('status', '-uwNrpest', 'ready').stdout).toMatch(/^true true false true \d+ -1 NA \d+\n$/);
    expect(l.run('status', '-o', 'updownsince', 'ready').stdout).toMatch(/^@4000[0-9a-f]{20}\n$/);
    const json = JSON.parse(l.run('status', '--json', 'ready').stdout);
    expect(json[0]).toMatchObject({ name: 'ready', type: 'longrun', state: 'ready', wantedUp: true, normallyUp: false, fields: { up: 'true', ready: 'true' } });
    expect(l.run('status', '-o', 'bogus', 'ready').code).toBe(100);
  });

  it('exits 3 on an unknown service and 111 when no supervisor runs', () => {
    const l = started();
    const r = l.run('status', 'zork');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('s6rc: fatal: unknown service name: zork\n');
    expect(l.run('shutdown').code).toBe(0);
    const gone = l.run('status');
    expect(gone.code).toBe(111);
    expect(gone.stderr).toMatch(/^s6rc: fatal: no supervisor is running on .*\n$/);
  });
});
