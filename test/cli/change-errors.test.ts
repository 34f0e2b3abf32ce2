/** Exit codes of the s6-rc subcommands: 3, 4, 100, 111, each with one clear line and no change made. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { isAlive, until } from '../helpers/supervisor.js';
import { cleanupAll, notifying, oneshot, startLive } from './changeHelpers.js';

afterEach(cleanupAll);

const small = () => startLive({ a: oneshot('/bin/true'), b: notifying({ dependencies: ['a'] }) });

describe('exit 3: unknown service name', () => {
  it('refuses before anything changes', () => {
    const l = small();
    for (const args of [['change', 'a', 'nope'], ['-d', 'change', 'nope'], ['-n0', 'change', 'nope'], ['start', 'nope'], ['list', 'nope'], ['listall', 'zork']]) {
      const r = l.rc(...args);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^s6rc: fatal: unknown service name: (nope|zork)\n$/);
    }
    expect(l.up()).toEqual([]);
    expect(l.events().some((e) => e.event === 'change.started')).toBe(false);
    expect(l.run('status', '-o', 'up', 'a').stdout).toBe('false\n');
  });
});

describe('exit 100: wrong usage', () => {
  it('reports the problem and the usage in one line', () => {
    const l = small();
    for (const args of [['-x', 'change'], ['-n', 'abc', 'change'], ['-t'], ['start'], ['stop'], ['frobnicate']]) {
      const r = l.rc(...args);
      expect(r.code).toBe(100);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(/^s6rc: fatal: /);
    }
  });
});

describe('exit 111: no supervisor', () => {
  it('says so clearly when the supervisor is dead or the live directory is missing', async () => {
    const l = small();
    const pid = l.supervisorPid()!;
    process.kill(pid, 'SIGKILL');
    await until(() => !isAlive(pid), 20_000, 'supervisor gone');
    for (const args of [['-a', 'list'], ['change', 'a'], ['diff']]) {
      const r = l.rc(...args);
      expect(r.code).toBe(111);
      expect(r.stderr).toMatch(/^s6rc: fatal: no supervisor is running on .*\n$/);
    }
    const r = s6rc(['-l', join(l.root, 'nowhere'), 'change', 'a']);
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^s6rc: fatal: live directory .*nowhere does not exist \(run s6rc init first\)\n$/);
  });
});

describe('exit 4: invalid live state', () => {
  it('refuses a live directory without a compiled database, or with a damaged one or a corrupted event log', () => {
    const t = tempDir();
    try {
      const empty = join(t.dir, 'live');
      mkdirSync(empty, { mode: 0o700 });
      let r = s6rc(['-l', empty, '-a', 'list']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^s6rc: fatal: invalid live directory .*: no compiled database in it\n$/);
      writeFileSync(join(empty, 'compiled'), 'not a database');
      r = s6rc(['-l', empty, 'change', 'a']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/is not a compiled database\n$/);
    } finally {
      t.cleanup();
    }
    const l = small();
    expect(l.rc('change', 'a').code).toBe(0);
    // Replace the file rather than overwrite it in place: the running supervisor still has the
    // log open and its next write (a flush or checkpoint) would restore the header in place, racing the check.
    writeFileSync(join(l.live, 'events.db.garbage'), 'garbage'.repeat(100));
    renameSync(join(l.live, 'events.db.garbage'), join(l.live, 'events.db'));
    const r = l.rc('change', 'b');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^s6rc: fatal: invalid live state: the event log .*events\.db is corrupted\n$/);
    expect(l.run('status', '-o', 'up', 'b').stdout).toBe('false\n');
  });
});
