import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { S6RC, s6rc } from '../helpers/cli.js';
import { isAlive, makeLive, processesUnder, readPid, type TestLive } from '../helpers/supervisor.js';
import { MIGRATIONS } from '../../store/events/schema.js';

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
      const pid = readPid(join(deep, 'pid'));
      expect(s6rc(['init', '-c', l.compiled, '-l', deep])).toMatchObject({ code: 0, stderr: '' }); // its supervisor answers
      expect(readPid(join(deep, 'pid'))).toBe(pid);
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

  it('a second init while the supervisor lives changes nothing (0, same supervisor), and starts one once it is gone', () => {
    const l = live();
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    const pid = l.supervisorPid()!;
    const again = s6rc(['init', '-c', l.compiled, '-l', l.live]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(l.supervisorPid()).toBe(pid);
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

describe('an existing event log that is not readable', () => {
  // One live directory, initialised once and shut down: its events.db is a real log to damage.
  let l: TestLive;
  let good: string;
  beforeAll(() => {
    l = makeLive({ web: { type: 'longrun', run: 'exec sleep 1000' } });
    expect(s6rc(['init', '-c', l.compiled, '-l', l.live]).code).toBe(0);
    expect(l.run('shutdown').code).toBe(0);
    good = join(l.root, 'good.db');
    copyFileSync(join(l.live, 'events.db'), good);
    expect(existsSync(join(l.live, 'events.db-wal'))).toBe(false); // closed cleanly: everything is in the main file
  });
  afterAll(() => l?.cleanup());
  // Should a refusal fail, whatever it started dies here, by pid, before the next case.
  afterEach(() => {
    for (const dir of [l.live, join(l.root, 'fresh-live')]) {
      const pids = new Set(processesUnder(dir));
      const pid = readPid(join(dir, 'pid'));
      if (pid !== null && isAlive(pid)) pids.add(pid);
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    rmSync(join(l.root, 'fresh-live'), { recursive: true, force: true });
  });

  const cases: { name: string; write: (file: string) => void; what: RegExp }[] = [
    { name: 'a 0-byte file', write: (f) => writeFileSync(f, ''), what: /empty file \(0 bytes\)/ },
    { name: 'a file that is not SQLite', write: (f) => writeFileSync(f, 'these are not the events you are looking for\n'.repeat(50)), what: /not an SQLite database/ },
    {
      name: "another application's database",
      write: (f) => {
        const db = new Database(f);
        db.pragma('application_id = 1234');
        db.exec('CREATE TABLE notes (x)');
        db.close();
      },
      what: /not an s6rc event log \(application_id 0x4d2\)/,
    },
    {
      name: 'an SQLite database without an application id that has tables',
      write: (f) => {
        const db = new Database(f);
        db.exec('CREATE TABLE events (x)');
        db.close();
      },
      what: /not an s6rc event log \(an SQLite database of another application\)/,
    },
    {
      name: 'a log of a newer schema',
      write: (f) => {
        copyFileSync(good, f);
        const db = new Database(f);
        db.pragma('user_version = 7');
        db.close();
      },
      what: new RegExp(`written by a newer s6rc \\(schema version 7; this one reads up to ${MIGRATIONS.length}\\)`),
    },
    {
      name: 'a corrupted log (a damaged page)',
      write: (f) => {
        copyFileSync(good, f);
        const db = new Database(f, { readonly: true });
        const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'events'").pluck().get() as number;
        const size = db.pragma('page_size', { simple: true }) as number;
        db.close();
        const fd = openSync(f, 'r+');
        writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (root - 1) * size);
        closeSync(fd);
      },
      what: /corrupted \(SQLITE_CORRUPT: /,
    },
    {
      name: 'a truncated log',
      write: (f) => {
        copyFileSync(good, f);
        truncateSync(f, 8192);
      },
      what: /truncated \(8192 bytes, its header says \d+\)/,
    },
  ];

  const expectRefused = (r: { code: number | null; stderr: string }, file: string, what: RegExp) => {
    expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: invalid event log ${file}: ${what.source}.* \\(move it aside to start a new log\\)\\n$`));
    expect(r.code).toBe(4);
  };
  const noSupervisor = () => {
    const pid = l.supervisorPid();
    if (pid !== null) expect(isAlive(pid)).toBe(false);
    expect(processesUnder(l.live)).toEqual([]);
    expect(existsSync(join(l.live, 'control'))).toBe(false);
  };
  /** Puts the bad log at live/events.db, where the supervisor opens it by default. */
  const plant = (write: (f: string) => void): { file: string; bytes: Buffer } => {
    const file = join(l.live, 'events.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    write(file);
    return { file, bytes: readFileSync(file) };
  };

  it.each(cases)('init -s refuses $name with 4, leaving the file and creating no live directory', ({ write, what }) => {
    const file = join(l.root, 'bad.db');
    rmSync(file, { force: true });
    write(file);
    const bytes = readFileSync(file);
    const fresh = join(l.root, 'fresh-live');
    const r = s6rc(['init', '-c', l.compiled, '-l', fresh, '-s', file], { env: { ...process.env, S6RC_STORE: '' }, timeout: 15_000 });
    expectRefused(r, file, what);
    expect(readFileSync(file)).toEqual(bytes);
    expect(existsSync(fresh)).toBe(false);
    expect(processesUnder(fresh)).toEqual([]);
  });

  it.each(cases)('init on a live directory refuses its events.db when it is $name (4), starting nothing', ({ write, what }) => {
    const { file, bytes } = plant(write);
    const compiledBefore = statSync(join(l.live, 'compiled')).mtimeMs;
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live], { env: { ...process.env, S6RC_STORE: '' }, timeout: 15_000 });
    expectRefused(r, file, what);
    expect(readFileSync(file)).toEqual(bytes);
    expect(statSync(join(l.live, 'compiled')).mtimeMs).toBe(compiledBefore);
    noSupervisor();
  });

  it.each(cases)('daemon refuses an events.db that is $name (4), leaving it as it is', ({ write, what }) => {
    const { file, bytes } = plant(write);
    // Without the check the daemon would run: the timeout ends it (SIGTERM) and the test fails.
    const r = s6rc(['daemon', '-l', l.live], { env: { ...process.env, S6RC_STORE: '' }, timeout: 15_000 });
    expectRefused(r, file, what);
    expect(readFileSync(file)).toEqual(bytes);
    noSupervisor();
  });

  it('init takes a good existing log back: a new boot in it', () => {
    const file = join(l.live, 'events.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    copyFileSync(good, file);
    const r = s6rc(['init', '-c', l.compiled, '-l', l.live], { env: { ...process.env, S6RC_STORE: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(l.run('shutdown').code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM boots').pluck().get()).toBe(2);
    db.close();
  });
});
