/**
 * `s6rc update` against a real supervisor (s6-rc-update's semantics,
 * reference/s6-rc-0.7/s6-rc-update.html): what keeps running, what restarts,
 * the conversion file, its exit codes, and a supervisor killed at each step.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { isAlive, restartDaemon, until, writeSource, type SourceService } from '../helpers/supervisor.js';
import { cleanupAll, gate, oneshot, startLive, type RcLive } from './changeHelpers.js';

afterEach(cleanupAll);

const longrun = (run = 'exec sleep 1000', extra: Partial<SourceService> = {}): SourceService => ({ type: 'longrun', run, ...extra });
/** A oneshot that counts its runs in `<live>/<name>.runs`. */
const counted = (name: string, extra: Partial<SourceService> = {}): SourceService => oneshot(`/bin/sh -c "echo up >> ${name}.runs"`, extra);

/** Compiles `services` into a new database beside the live directory; returns its path. */
function compileNew(l: RcLive, services: Record<string, SourceService>, name = 'next'): string {
  const t = tempDir('s6rc-update-src-');
  writeSource(t.dir, services);
  const out = join(l.root, name);
  const r = s6rc(['compile', out, t.dir]);
  t.cleanup();
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

type Status = { name: string; state: string; pid: number | null };
const statuses = (l: RcLive) => new Map((JSON.parse(l.run('status', '--json').stdout) as Status[]).map((s) => [s.name, s]));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const runs = (l: RcLive, name: string) => (existsSync(join(l.live, `${name}.runs`)) ? readFileSync(join(l.live, `${name}.runs`), 'utf8').split('\n').filter(Boolean).length : 0);

const before: Record<string, SourceService> = {
  same: longrun(),
  edited: longrun('exec sleep 1000'),
  retyped: counted('retyped'),
  gone: longrun(),
  renamed: longrun(),
  renamedRestart: longrun(),
  forced: longrun(),
  needsNew: longrun(),
  setup: counted('setup'),
  onRetyped: counted('onRetyped', { dependencies: ['retyped'] }),
  all: { type: 'bundle', contents: ['same', 'edited', 'retyped', 'gone', 'renamed', 'renamedRestart', 'forced', 'needsNew', 'setup', 'onRetyped'] },
};
const after: Record<string, SourceService> = {
  same: longrun(),
  edited: longrun('echo edited > edited.mark; exec sleep 1000'),
  retyped: longrun(),
  moved: longrun(),
  movedRestart: longrun(),
  forced: longrun(),
  needsNew: longrun('exec sleep 1000', { dependencies: ['newDep'] }),
  newDep: longrun(),
  fresh: longrun(),
  setup: counted('setup'),
  onRetyped: counted('onRetyped', { dependencies: ['retyped'] }),
};

describe('s6rc update', () => {
  it('keeps what is unchanged running, restarts by the rules, renames, stops what is gone, leaves new services down', () => {
    const l = startLive(before);
    expect(l.rc('change', 'all').code).toBe(0);
    const was = statuses(l);
    const next = compileNew(l, after);
    const conv = join(l.root, 'convfile');
    writeFileSync(conv, '# renames\nrenamed -> moved\nrenamedRestart -> movedRestart restart\nforced restart\n');
    const r = l.run('update', '-f', conv, next);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const now = statuses(l);
    // Kept, same pid: unchanged, edited (the new run applies at its next start), renamed.
    expect(now.get('same')!.pid).toBe(was.get('same')!.pid);
    expect(now.get('edited')!.pid).toBe(was.get('edited')!.pid);
    expect(now.get('moved')).toMatchObject({ state: 'ready', pid: was.get('renamed')!.pid });
    // Restarted, new pid: restart asked, renamed with restart, a new dependency.
    for (const [name, old] of [['forced', 'forced'], ['movedRestart', 'renamedRestart'], ['needsNew', 'needsNew']]) {
      expect(now.get(name)!.state, name).toBe('ready');
      expect(now.get(name)!.pid, name).not.toBe(was.get(old)!.pid);
      expect(isAlive(was.get(old)!.pid!)).toBe(false);
    }
    // Changed type: the oneshot is now a longrun, up; what depends on it ran again.
    expect(now.get('retyped')!.state).toBe('ready');
    expect(runs(l, 'onRetyped')).toBe(2);
    // A oneshot that stays up does not run again.
    expect(runs(l, 'setup')).toBe(1);
    expect(now.get('setup')!.state).toBe('ready');
    // Gone: stopped and no longer supervised. New and not needed: down. Needed: up.
    expect(now.has('gone')).toBe(false);
    expect(isAlive(was.get('gone')!.pid!)).toBe(false);
    expect(now.get('fresh')!.state).toBe('down');
    expect(now.get('newDep')!.state).toBe('ready');
    // The live directory runs on the new database; the live state follows the renames.
    expect(sha(join(l.live, 'compiled'))).toBe(sha(next));
    expect(l.up()).toEqual(['edited', 'forced', 'moved', 'movedRestart', 'needsNew', 'newDep', 'onRetyped', 'retyped', 'same', 'setup']);
    // The edited definition is used from its next start.
    expect(l.run('svc', '-r', 'edited').code).toBe(0);
    await_(() => existsSync(join(l.live, 'servicedirs', 'edited', 'edited.mark')));
    // One change in the log, with what stopped and why; replay agrees across the switch.
    const changes = l.run('history', '--changes', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(changes.at(-1)).toMatchObject({ exitCode: 0, argv: expect.arrayContaining(['update', next]) });
    expect(changes.at(-1).update).toMatchObject({ compiled: next, stop: { gone: 'gone', retyped: 'type' } });
    // The table says it in words, under the update's row.
    const table = l.run('history', '--changes').stdout;
    expect(table).toMatch(/ update .*\n    restart .*\bforced \(restart asked\).*\bretyped \(changed type\)/);
    expect(table).toMatch(/\brenamedRestart → movedRestart \(restart asked\)/);
    expect(table).toMatch(/\n    stop gone \(gone\)\n/);
    expect(table).toMatch(/\n    rename renamed → moved\n/);
    const planned = l.events().find((e) => e.event === 'update.planned')!;
    expect(planned.payload.stop).toEqual({ forced: 'restart', gone: 'gone', needsNew: 'dependency', onRetyped: 'dependent', renamedRestart: 'restart', retyped: 'type' });
    expect(l.events().some((e) => e.event === 'update.switched')).toBe(true);
    expect(l.run('replay', '--verify')).toMatchObject({ code: 0 });
  });

  it('an identical database restarts nothing and records no new definition', () => {
    const l = startLive({ a: longrun(), b: counted('b', { dependencies: ['a'] }) });
    expect(l.rc('change', 'b').code).toBe(0);
    const was = statuses(l);
    const r = l.run('update', l.compiled);
    expect(r.code).toBe(0);
    expect(statuses(l).get('a')!.pid).toBe(was.get('a')!.pid);
    expect(runs(l, 'b')).toBe(1);
    expect(l.events().filter((e) => e.event === 'definition.changed' || e.event === 'transition.scheduled' && e.change === 2)).toEqual([]);
  });

  it("writes only the service directories whose files changed; a file the new definition lacks goes", () => {
    const l = startLive({ same: longrun('exec sleep 1000', { files: { 'data/keep': 'k\n' } }), edited: longrun('exec sleep 1000', { files: { 'data/old': 'o\n' } }) });
    expect(l.rc('change', 'same', 'edited').code).toBe(0);
    const file = (service: string, rel: string) => join(l.live, 'servicedirs', service, rel);
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    for (const f of [file('same', 'run'), file('same', 'data/keep'), file('edited', 'run')]) utimesSync(f, past, past);
    const next = compileNew(l, { same: longrun('exec sleep 1000', { files: { 'data/keep': 'k\n' } }), edited: longrun('exec sleep 999', { files: { 'data/new': 'n\n' } }) });
    expect(l.run('update', next)).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(file('same', 'run')).mtimeMs).toBe(past.getTime());
    expect(statSync(file('same', 'data/keep')).mtimeMs).toBe(past.getTime());
    expect(readFileSync(file('edited', 'run'), 'utf8')).toContain('exec sleep 999');
    expect(existsSync(file('edited', 'data/old'))).toBe(false);
    expect(readFileSync(file('edited', 'data/new'), 'utf8')).toBe('n\n');
  });

  it('-n prints the transitions it would perform and changes nothing', () => {
    const l = startLive(before);
    expect(l.rc('change', 'all').code).toBe(0);
    const next = compileNew(l, after);
    const compiledBefore = sha(join(l.live, 'compiled'));
    const r = l.run('update', '-n', next);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('s6rc-update-dryrun: down gone (gone)\n');
    expect(r.stdout).toContain(`s6rc-update-dryrun: switch to ${next}\n`);
    expect(r.stdout).toContain('s6rc-update-dryrun: up retyped\n');
    expect(sha(join(l.live, 'compiled'))).toBe(compiledBefore);
    expect(statuses(l).has('gone')).toBe(true);
    expect(l.events().some((e) => e.event === 'update.planned')).toBe(false);
  });

  it('refuses a bad conversion file or database with s6-rc-update\'s exit codes, and switches nothing', () => {
    const l = startLive({ a: longrun(), b: longrun(), set: { type: 'bundle', contents: ['a'] } });
    expect(l.rc('change', 'a', 'b').code).toBe(0);
    const was = statuses(l);
    const next = compileNew(l, { a: longrun(), c: longrun(), set: { type: 'bundle', contents: ['a'] } });
    const conv = join(l.root, 'conv');
    const cases: [string, number, RegExp][] = [
      ['nope restart\n', 3, /unknown service name in the conversion file: nope/],
      ['b -> nowhere\n', 4, /renames b to nowhere, which the new database does not define/],
      ['set restart\n', 5, /set in the conversion file is a bundle/],
      ['b restart\nb -> c\n', 6, /duplicate service in the conversion file: b/],
      ['b -> "c\n', 100, /conversion file .*, line 1: /],
      ['b sideways\n', 100, /unexpected 'sideways' after b/],
    ];
    for (const [text, code, message] of cases) {
      writeFileSync(conv, text);
      const r = l.run('update', '-f', conv, next);
      expect(r.code, text).toBe(code);
      expect(r.stderr, text).toMatch(new RegExp(`^s6rc: fatal: .*${message.source}.*\\n$`));
    }
    const missing = l.run('update', join(l.root, 'absent'));
    expect(missing).toMatchObject({ code: 4 });
    expect(missing.stderr).toMatch(/^s6rc: fatal: unable to read compiled database .*absent: no such file or directory\n$/);
    writeFileSync(join(l.root, 'damaged'), 'not a database');
    const damaged = l.run('update', join(l.root, 'damaged'));
    expect(damaged).toMatchObject({ code: 4 });
    expect(damaged.stderr).toMatch(/^s6rc: fatal: [^\n]*damaged[^\n]*\n$/);
    // Usage, and a conversion file that cannot be read.
    expect(l.run('update')).toMatchObject({ code: 100, stderr: expect.stringMatching(/^s6rc: fatal: missing newcompiled \(usage: s6rc update /) });
    expect(l.run('update', next, next)).toMatchObject({ code: 100, stderr: expect.stringMatching(/^s6rc: fatal: unexpected operand /) });
    const unreadable = l.run('update', '-f', join(l.root, 'no-convfile'), next);
    expect(unreadable.code).toBe(111);
    expect(unreadable.stderr).toMatch(/^s6rc: fatal: unable to read conversion file .*no-convfile: ENOENT: no such file or directory/);
    // Nothing switched, nothing restarted.
    expect(sha(join(l.live, 'compiled'))).toBe(sha(l.compiled));
    const now = statuses(l);
    expect(now.get('a')!.pid).toBe(was.get('a')!.pid);
    expect(now.get('b')!.pid).toBe(was.get('b')!.pid);
    expect(l.run('shutdown').code).toBe(0);
    expect(l.run('update', next)).toMatchObject({ code: 111 });
  });

  it('waits for a change in progress only with -b; without it, exits 111 saying who holds the lock', async () => {
    const g = gate();
    const l = startLive({ slow: oneshot(g.oneshot), a: longrun() });
    const next = compileNew(l, { slow: oneshot(g.oneshot), a: longrun() });
    const first = l.rcAsync('change', 'slow');
    await until(() => l.events().some((e) => e.event === 'transition.scheduled' && e.service === 'slow'), 10_000, 'slow scheduled');
    const refused = l.run('update', next);
    expect(refused.code).toBe(111);
    expect(refused.stderr).toMatch(/^s6rc: fatal: live directory .* is in use by a change \(s6rc -l .* change slow\) \(use -b to wait for it\)\n$/);
    const waiting = l.rcAsync('update', '-b', next);
    g.release();
    expect((await first.done).code).toBe(0);
    expect((await waiting.done).code).toBe(0);
    expect(sha(join(l.live, 'compiled'))).toBe(sha(next));
  });

  it('exits 9 when a stop fails and 10 when time runs out before the switch, switching nothing; 1 when a start fails after it', () => {
    const g = gate();
    const l = startLive({
      stubborn: oneshot('true', { down: '/bin/false' }),
      slow: oneshot('true', { down: g.oneshot }),
      later: longrun(),
    });
    expect(l.rc('change', 'stubborn', 'slow', 'later').code).toBe(0);
    const restartStubborn = join(l.root, 'conv1');
    writeFileSync(restartStubborn, 'stubborn restart\n');
    expect(l.run('update', '-f', restartStubborn, l.compiled).code).toBe(9);
    const restartSlow = join(l.root, 'conv2');
    writeFileSync(restartSlow, 'slow restart\n');
    expect(l.run('update', '-t', '400', '-f', restartSlow, l.compiled).code).toBe(10);
    g.release();
    const changes = l.run('history', '--changes', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(changes.slice(-2).map((c) => c.exitCode)).toEqual([9, 10]);
    expect(l.events().some((e) => e.event === 'update.switched')).toBe(false);
    // After the switch, a service that cannot start: exit 1, switched.
    const next = compileNew(l, { stubborn: oneshot('true', { down: '/bin/false' }), slow: oneshot('true'), later: longrun('exit 1', { files: { 'timeout-up': '300\n', 'notification-fd': '3\n' } }) });
    const restartLater = join(l.root, 'conv3');
    writeFileSync(restartLater, 'later restart\n');
    expect(l.run('update', '-f', restartLater, next).code).toBe(1);
    expect(sha(join(l.live, 'compiled'))).toBe(sha(next));
  });
});

describe('renames that swap and chain', () => {
  it('move every service, its state and its directory at once, and survive a restart of the supervisor', async () => {
    // a and b swap names; c → d → e is a chain. Each keeps its pid under its new name.
    const marked = (name: string) => longrun('exec sleep 1000', { files: { 'data/was': `${name}\n` } });
    const l = startLive({ a: marked('a'), b: marked('b'), c: marked('c'), d: marked('d') });
    expect(l.rc('change', 'a', 'b', 'c', 'd').code).toBe(0);
    const was = statuses(l);
    const next = compileNew(l, { a: marked('b'), b: marked('a'), d: marked('c'), e: marked('d') });
    const conv = join(l.root, 'convfile');
    writeFileSync(conv, 'a -> b\nb -> a\nc -> d\nd -> e\n');
    expect(l.run('update', '-f', conv, next)).toMatchObject({ code: 0, stderr: '' });
    const check = () => {
      const now = statuses(l);
      for (const [from, to] of [['a', 'b'], ['b', 'a'], ['c', 'd'], ['d', 'e']]) {
        expect(now.get(to), `${from} -> ${to}`).toMatchObject({ state: 'ready', pid: was.get(from)!.pid });
        expect(readFileSync(join(l.live, 'servicedirs', to, 'data', 'was'), 'utf8'), to).toBe(`${from}\n`);
      }
      expect(now.has('c')).toBe(false);
      expect(l.up()).toEqual(['a', 'b', 'd', 'e']);
      expect(l.run('replay', '--verify').code).toBe(0);
    };
    check();
    // A new supervisor recovers the same: the directories were moved once, not again.
    const supervisor = l.supervisorPid()!;
    process.kill(supervisor, 'SIGKILL');
    await until(() => !isAlive(supervisor), 5000, 'the supervisor to die');
    await restartDaemon(l);
    check();
  });
});

describe('a supervisor killed in the middle of an update', () => {
  for (const point of ['update.stopped', 'update.committed', 'update.installed', 'update.switched']) {
    it(`at ${point}: the recovered supervisor runs on exactly one database and replay agrees`, async () => {
      const l = startLive({ kept: longrun(), changed: counted('changed'), gone: longrun() }, { S6RC_CRASH_AT: point });
      expect(l.rc('change', 'kept', 'changed', 'gone').code).toBe(0);
      const next = compileNew(l, { kept: longrun(), changed: longrun(), fresh: longrun() });
      const supervisor = l.supervisorPid()!;
      expect(l.run('update', next).code).toBe(111); // the supervisor died under it
      await until(() => !isAlive(supervisor), 5000, 'the supervisor to die');
      await restartDaemon(l);
      const switched = l.events().some((e) => e.event === 'update.switched');
      // Killed before the commit: the old database; after it: the new one, whatever else happened.
      expect(switched).toBe(point !== 'update.stopped');
      expect(sha(join(l.live, 'compiled'))).toBe(sha(switched ? next : l.compiled));
      const names = [...statuses(l).keys()].sort();
      expect(names).toEqual(switched ? ['changed', 'fresh', 'kept'] : ['changed', 'gone', 'kept']);
      expect(l.run('replay', '--verify').code).toBe(0);
      // The interrupted update is closed; a change converges on the database it runs.
      expect(JSON.parse(l.run('history', '--changes', '--json').stdout.trim().split('\n').at(-1)!)).toMatchObject({ exitCode: null, reason: 'supervisor died' });
      expect(l.rc('change', 'kept', 'changed').code).toBe(0);
      expect(l.run('replay', '--verify').code).toBe(0);
    });
  }
});

/** Waits (synchronously: the test runs a CLI in between) until `check` holds, at most 10 s. */
function await_(check: () => boolean): void {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}
