/**
 * `history --changes` shows who asked and how in one format, whichever
 * client started the change: USER `name (uid N)`, ARGV starting with the
 * program name `s6rc`; logs written the older way read the same.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventStore } from '../../store/events/open.js';
import { s6rc, tempDir } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';
import { oneshotUp, writeChange } from './fixtures/eventLog.js';

const lives: TestLive[] = [];
const dirs: (() => void)[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
  while (dirs.length) dirs.pop()!();
});

const env = { ...process.env, S6RC_STORE: '', S6RC_LIVE: '' };
const me = `${userInfo().username} (uid ${process.getuid!()})`;

interface ChangeJson {
  id: number;
  argv: string[];
  user: string;
}

const changes = (live: string): ChangeJson[] =>
  s6rc(['history', '-l', live, '--changes', '--json'], { env })
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ChangeJson);

describe('who started a change, in one format', () => {
  it('change, start, stop and shutdown record the user as name (uid N) and argv from the program name', () => {
    const l = makeLive({ a: { type: 'oneshot', up: '/bin/true' }, b: { type: 'oneshot', up: '/bin/true', dependencies: ['a'] } });
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    expect(s6rc(['-l', l.live, '-v1', 'change', 'a'], { env }).code).toBe(0);
    expect(s6rc(['-l', l.live, 'start', 'b'], { env }).code).toBe(0);
    expect(s6rc(['stop', '-l', l.live, 'b'], { env }).code).toBe(0);
    expect(s6rc(['shutdown', '-l', l.live], { env }).code).toBe(0);

    const rows = changes(l.live);
    expect(rows.map((r) => r.argv)).toEqual([
      ['s6rc', '-l', l.live, '-v1', 'change', 'a'],
      ['s6rc', '-l', l.live, 'start', 'b'],
      ['s6rc', 'stop', '-l', l.live, 'b'],
      ['s6rc', 'shutdown'],
    ]);
    expect(rows.map((r) => r.user)).toEqual([me, me, me, me]);

    const table = s6rc(['history', '-l', l.live, '--changes'], { env }).stdout.trimEnd().split('\n').slice(1);
    expect(table).toHaveLength(4);
    for (const line of table) expect(line).toMatch(new RegExp(`\\s${me.replace(/[()]/g, '\\$&')}\\s+s6rc `));
    expect(table[0].endsWith(`s6rc -l ${l.live} -v1 change a`)).toBe(true);
  });

  it('reads a log written the older way (argv without the program name) the same', () => {
    const t = tempDir();
    dirs.push(t.cleanup);
    const file = join(t.dir, 'events.db');
    const store = openEventStore(file);
    store.startBoot(t.dir, join(t.dir, 'compiled'), 1_000);
    writeChange(store, 10_000, ['-u', 'change', 'a'], oneshotUp('a', 1, 2), 0, 'root');
    writeChange(store, 20_000, ['s6rc', '-d', 'change', 'a'], [], 0, 'root (uid 0)');
    store.close();
    const json = s6rc(['history', '-s', file, '--changes', '--json'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l) as ChangeJson);
    expect(json.map((r) => r.argv)).toEqual([['s6rc', '-u', 'change', 'a'], ['s6rc', '-d', 'change', 'a']]);
    const table = s6rc(['history', '-s', file, '--changes'], { env }).stdout.trimEnd().split('\n');
    expect(table[1]).toMatch(/\sroot\s+s6rc -u change a$/);
    expect(table[2]).toMatch(/\sroot \(uid 0\)\s+s6rc -d change a$/);
    const events = s6rc(['history', '-s', file], { env }).stdout;
    expect(events).toContain('argv s6rc -u change a, by change 1 (root)');
    expect(events).not.toContain('argv -u change');
  });
});
