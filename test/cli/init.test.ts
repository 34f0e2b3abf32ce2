import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { S6RC, s6rc } from '../helpers/cli.js';
import { isAlive, makeLive, processesUnder, readPid, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

function live(): TestLive {
  const l = makeLive({
    web: { type: 'longrun', run: 'exec sleep 1000', files: { 'data/greeting': 'hello\n', 'data/check': '#!/bin/sh\nexit 0\n' } },
    setup: { type: 'oneshot', up: 'true' },
  });
  lives.push(l);
  return l;
}

describe('s6rc init', () => {
  it('works on a live directory deeper than a socket address allows, and creates nothing outside it', () => {
    const l = live();
    // 200 bytes: a socket address holds 107; the socket is reached through the directory's fd.
    const parent = join(l.root, 'deep');
    const deep = join(parent, 'd'.repeat(200 - parent.length - 1));
    expect(Buffer.byteLength(join(deep, 'control'))).toBeGreaterThan(107);
    mkdirSync(parent);
    const cleanup = () => {
      for (const pid of [readPid(join(deep, 'pid')), ...processesUnder(deep)]) if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    };
    try {
      const r = s6rc(['init', '-c', l.compiled, '-l', deep], { timeout: 20_000 });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(statSync(join(deep, 'control')).isSocket()).toBe(true);
      expect(s6rc(['-l', deep, 'change', 'web']).code).toBe(0);
      expect(s6rc(['status', '-l', deep, 'web']).stdout).toMatch(/^up \(pid \d+\)/);
      expect(s6rc(['init', '-c', l.compiled, '-l', deep]).code).toBe(111); // its supervisor answers
      expect(s6rc(['shutdown', '-l', deep]).code).toBe(0);
      // Nothing beside the live directory: no socket at a truncated path, no init lock left.
      expect(readdirSync(parent)).toEqual([basename(deep)]);
      expect(readdirSync(l.root).sort()).toEqual(['compiled', 'deep', 'source']);
    } finally {
      cleanup();
    }
  });

  it('creates a 0700 live dir with a 0600 socket, the pid, the compiled copy and service dirs, everything down', () => {
    const l = live();
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(l.live).mode & 0o777).toBe(0o700);
    const sock = statSync(join(l.live, 'control'));
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);
    expect(isAlive(l.supervisorPid()!)).toBe(true);
    expect(readFileSync(join(l.live, 'compiled'))).toEqual(readFileSync(l.compiled));
    const dir = join(l.live, 'servicedirs', 'web');
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'data', 'greeting'), 'utf8')).toBe('hello\n');
    expect(statSync(join(dir, 'data', 'check')).mode & 0o111).not.toBe(0);
    const st = l.run('status');
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/^setup: down \(exitcode 0\) \d+ seconds\nweb: down \(exitcode 0\) \d+ seconds\n$/);
  });

  it('refuses a second init while the supervisor lives (111), and runs again once it is gone', () => {
    const l = live();
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    const pid = l.supervisorPid()!;
    const again = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(again.code).toBe(111);
    expect(again.stderr).toMatch(new RegExp(`^s6rc: fatal: a supervisor is already running on .* \\(pid ${pid}\\)\\n$`));
    expect(l.run('shutdown').code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    expect(l.supervisorPid()).not.toBe(pid);
  });

  it('refuses an invalid compiled database with 4 and creates nothing', () => {
    const l = live();
    const bad = join(l.root, 'bad');
    writeFileSync(bad, 'this is not a database');
    const r = s6rc(['init', '-c', bad, '-l', l.live]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^s6rc: fatal: /);
    expect(existsSync(l.live)).toBe(false);
  });

  it('refuses a live directory others can enter (111)', () => {
    const l = live();
    mkdirSync(l.live);
    chmodSync(l.live, 0o755);
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(r.code).toBe(111);
    expect(r.stderr).toContain('has mode 0755, expected 0700');
  });

  it('fails with 111 when another init holds the lock, unless -b', () => {
    const l = live();
    mkdirSync(`${l.live}.init-lock`);
    writeFileSync(`${l.live}.init-lock/pid`, `${process.pid}\n`);
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(r.code).toBe(111);
    expect(r.stderr).toContain('is being initialised by pid');
  });

  it('puts the event store where -s says and records it in <live>/store', () => {
    const l = live();
    const store = join(l.root, 'history.db');
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live, '-s', store]).code).toBe(0);
    expect(readFileSync(join(l.live, 'store'), 'utf8').trim()).toBe(store);
    expect(existsSync(store)).toBe(true);
    expect(existsSync(join(l.live, 'events.db'))).toBe(false);
  });

  it('exits 111 with the reason from supervisor.log when the supervisor dies while starting', () => {
    const l = live();
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live, '-s', '/nonexistent/dir/events.db']);
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^s6rc: fatal: supervisor failed to start: exited 111 \(supervisor.log: .*unable to open the event store/);
  });

  it('a second daemon on a live directory with a living supervisor is refused (111)', () => {
    const l = live();
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    const r = s6rc(['daemon', '-l', l.live]);
    expect(r.code).toBe(111);
    expect(r.stderr).toContain('a supervisor is already running');
  });

  it('daemon takes a relative live directory: services still find their service directories', async () => {
    const l = live();
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    const pid = l.supervisorPid()!;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    const daemon = spawn(process.execPath, [S6RC, 'daemon', '-l', basename(l.live), '-N', '3'], { cwd: dirname(l.live), stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        daemon.stdio[3]!.once('data', () => resolve());
        daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}`)));
      });
      const up = l.run('svc', '-u', '-wU', '-T', '5000', 'web');
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(l.run('status', '-o', 'up', 'web').stdout).toBe('true\n');
    } finally {
      daemon.kill('SIGKILL');
    }
  });

  it('refuses to orphan services a dead supervisor left running (111), pointing at recovery', async () => {
    const l = live();
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    expect(l.run('svc', '-u', '-wu', 'web').code).toBe(0);
    const pid = l.supervisorPid()!;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/services of a dead supervisor still run in .* recover them with s6rc daemon -l /);
  });
});
