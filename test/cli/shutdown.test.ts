import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { s6rc } from '../helpers/cli.js';
import { isAlive, makeLive, processesUnder, until, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

describe('s6rc shutdown', () => {
  it('brings everything down in reverse dependency order, then the supervisor exits and removes socket and pid', () => {
    let l: TestLive;
    // Each finish appends its service's name to one file: the order services went down.
    const order = (name: string) => `echo ${name} >> ../../order`;
    l = makeLive({
      base: { type: 'longrun', run: 'exec sleep 1000', finish: order('base') },
      mid: { type: 'longrun', run: 'exec sleep 1000', finish: order('mid'), dependencies: ['base'] },
      top: { type: 'longrun', run: 'exec sleep 1000', finish: `sleep 0.3; ${order('top')}`, dependencies: ['mid'] },
      loose: { type: 'longrun', run: 'exec sleep 1000' },
    });
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    expect(s6rc(['-l', l.live, 'change', 'top']).code).toBe(0);
    expect(l.run('svc', '-u', '-wu', 'loose').code).toBe(0);
    const pid = l.supervisorPid()!;
    const services = processesUnder(join(l.live, 'servicedirs'));
    expect(services.length).toBe(4);
    const r = l.run('shutdown');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(l.live, 'order'), 'utf8')).toBe('top\nmid\nbase\n');
    expect(isAlive(pid)).toBe(false);
    for (const p of services) expect(isAlive(p)).toBe(false);
    expect(existsSync(join(l.live, 'control'))).toBe(false);
    expect(existsSync(join(l.live, 'pid'))).toBe(false);
  });

  it('-t kills what does not stop in time', async () => {
    // It says when SIGTERM is ignored: "up" only means spawned, and a SIGTERM sent before the trap would kill it.
    const l = makeLive({ stubborn: { type: 'longrun', run: "trap '' TERM; touch ../../trapped; while :; do sleep 0.05; done" } });
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    expect(l.run('svc', '-u', '-wu', 'stubborn').code).toBe(0);
    await until(() => existsSync(join(l.live, 'trapped')), 20_000, 'stubborn to ignore SIGTERM');
    const t0 = Date.now();
    const r = l.run('shutdown', '-t', '500');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('killed stubborn');
    // Without the deadline it would hang until the test's own 60 s limit.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(processesUnder(join(l.live, 'servicedirs'))).toEqual([]);
  });

  it('works on a 4000-deep dependency chain (no recursion per link)', () => {
    const services: Record<string, SourceService> = {};
    for (let i = 0; i < 4000; i++) services[`c${i}`] = { type: 'oneshot', up: 'true', dependencies: i ? [`c${i - 1}`] : [] };
    const l = makeLive(services);
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    const pid = l.supervisorPid()!;
    const r = l.run('shutdown');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(isAlive(pid)).toBe(false);
    expect(readFileSync(join(l.live, 'supervisor.log'), 'utf8')).not.toMatch(/call stack|fatal/);
  });

  it('exits 111 with a clear message when no supervisor runs', () => {
    const l = makeLive({ x: { type: 'longrun', run: 'exec sleep 1000' } });
    lives.push(l);
    const r = l.run('shutdown');
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^s6rc: fatal: no supervisor is running on /);
  });
});
