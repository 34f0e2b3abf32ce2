/** `s6rc change` and friends against a real supervisor: the seed page's examples and every option. */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc } from '../helpers/cli.js';
import { cleanupAll, notifying, oneshot, startLive } from './changeHelpers.js';

afterEach(cleanupAll);

/** base ← setup ← daemon, grouped in myservicebundle; other is independent; watcher depends on daemon. */
const stack = () =>
  startLive({
    base: oneshot('/bin/true', { down: '/bin/true' }),
    setup: oneshot('/bin/true', { dependencies: ['base'] }),
    daemon: notifying({ dependencies: ['setup'] }),
    watcher: notifying({ dependencies: ['daemon'] }),
    other: notifying(),
    myservicebundle: { type: 'bundle', contents: ['daemon', 'setup'] },
  });

describe('the usage examples of the seed page, verbatim', () => {
  it('s6rc change myservicebundle: brings up the bundle and its dependencies first', () => {
    const l = stack();
    const r = s6rc(['change', 'myservicebundle'], { env: { ...process.env, S6RC_LIVE: l.live, S6RC_STORE: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(l.up()).toEqual(['base', 'daemon', 'setup']);
    // Dependencies first: base succeeded before setup was scheduled, setup before daemon.
    const order = l.events().filter((e) => e.event === 'transition.succeeded' || e.event === 'transition.scheduled').map((e) => `${e.event.split('.')[1]} ${e.service}`);
    expect(order).toEqual(['scheduled base', 'succeeded base', 'scheduled setup', 'succeeded setup', 'scheduled daemon', 'succeeded daemon']);
  });

  it('s6rc -bad change: brings down everything that runs, in order', () => {
    const l = stack();
    expect(l.rc('change', 'myservicebundle', 'other', 'watcher').code).toBe(0);
    const r = s6rc(['-bad', 'change'], { env: { ...process.env, S6RC_LIVE: l.live, S6RC_STORE: '' } });
    expect(r.code).toBe(0);
    expect(l.up()).toEqual([]);
    const stopped = l.events().filter((e) => e.event === 'transition.succeeded' && e.payload.kind === 'down').map((e) => e.service);
    expect(stopped.indexOf('watcher')).toBeLessThan(stopped.indexOf('daemon'));
    expect(stopped.indexOf('daemon')).toBeLessThan(stopped.indexOf('setup'));
    expect(stopped.indexOf('setup')).toBeLessThan(stopped.indexOf('base'));
  });

  it('s6rc -l /zork -ua listall myservicebundle: the bundle plus the live services, and their dependencies', () => {
    const l = stack();
    expect(l.rc('change', 'other').code).toBe(0);
    // /zork is a temporary directory: a symlink to the live directory.
    const dir = mkdtempSync(join(tmpdir(), 's6rc-zork-'));
    const zork = join(dir, 'zork');
    symlinkSync(l.live, zork);
    try {
      const r = s6rc(['-l', zork, '-ua', 'listall', 'myservicebundle']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('base\ndaemon\nother\nsetup\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('s6rc -d listall myservicebundle: the bundle and everything that depends on it', () => {
    const l = stack();
    const r = s6rc(['-d', 'listall', 'myservicebundle'], { env: { ...process.env, S6RC_LIVE: l.live } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('daemon\nsetup\nwatcher\n');
  });

  it('s6rc -pun0 change myservicebundle: prints what it would do, changes nothing', () => {
    const l = stack();
    expect(l.rc('change', 'other').code).toBe(0);
    const before = l.events().length;
    const r = s6rc(['-pun0', 'change', 'myservicebundle'], { env: { ...process.env, S6RC_LIVE: l.live, S6RC_STORE: '' } });
    expect(r.code).toBe(0);
    // Prune: first the unwanted go down, then the wanted come up, dependencies first.
    expect(r.stdout.split('\n').filter(Boolean).map((x) => x.split(':')[1])).toEqual([' down other', ' up base', ' up setup', ' up daemon']);
    expect(r.stdout).toMatch(/^s6rc-dryrun: up base: \/bin\/true$/m);
    expect(l.up()).toEqual(['other']);
    expect(l.events().length).toBe(before);
    expect(l.run('status', '-o', 'up', 'daemon').stdout).toBe('false\n');
  });
});

describe('s6rc change options', () => {
  it('-v2 prints one line per transition in s6-rc format; -v0 is silent', () => {
    const l = stack();
    const r = l.rc('-v2', 'change', 'setup');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      [
        's6rc: info: service base: starting',
        's6rc: info: service base successfully started',
        's6rc: info: service setup: starting',
        's6rc: info: service setup successfully started',
        '',
      ].join('\n'),
    );
    const down = l.rc('-v', '2', '-d', 'change', 'base');
    expect(down.stderr).toContain('s6rc: info: service setup: stopping\ns6rc: info: service setup successfully stopped\n');
    expect(down.stderr).toContain('s6rc: info: service base successfully stopped\n');
    expect(l.rc('-v0', 'change', 'setup').stderr).toBe('');
  });

  it('-v3 adds debug lines', () => {
    const l = stack();
    const r = l.rc('-v3', 'change', 'base');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^s6rc: debug: change \d+: 0 to stop, 1 to start$/m);
    expect(r.stderr).toMatch(/^s6rc: debug: change \d+: 1 done, 0 failed, 0 not performed, exit code 0$/m);
  });

  it('a failure blocks exactly its dependents, the rest completes, exit 1 with s6-rc warnings', () => {
    const l = startLive({
      broken: oneshot('/bin/sh -c "exit 3"'),
      needsBroken: oneshot('/bin/true', { dependencies: ['broken'] }),
      crasher: oneshot('/bin/sh -c "kill -KILL $$"'),
      fine: oneshot('/bin/true'),
      slowFine: oneshot('/bin/sh -c "sleep 0.3"'),
      afterFine: oneshot('/bin/true', { dependencies: ['slowFine'] }),
    });
    const r = l.rc('change', 'needsBroken', 'crasher', 'fine', 'afterFine');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('s6rc: warning: unable to start service broken: command exited 3\n');
    expect(r.stderr).toContain('s6rc: warning: unable to start service crasher: crashed with signal SIGKILL\n');
    expect(r.stderr).not.toContain('needsBroken');
    expect(l.up()).toEqual(['afterFine', 'fine', 'slowFine']);
    const blocked = l.events().filter((e) => e.event === 'transition.blocked').map((e) => [e.service, e.payload.by]);
    expect(blocked).toEqual([['needsBroken', 'broken']]);
    const ended = l.events().filter((e) => e.event === 'change.ended').at(-1)!;
    expect(ended.payload).toMatchObject({ exitCode: 1, done: 3, failed: 2 });
    // The same change later succeeds once the cause is gone (here: nothing left to do but retry).
    expect(l.rc('-v0', 'change', 'fine').code).toBe(0);
  });

  it('a longrun whose up transition fails is sent down again', () => {
    const l = startLive({
      neverReady: { type: 'longrun', run: 'exec sleep 1000', notificationFd: 3, files: { 'timeout-up': '300\n' } },
    });
    const r = l.rc('change', 'neverReady');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^s6rc: warning: unable to start service neverReady: /m);
    expect(l.up()).toEqual([]);
    expect(l.run('status', '-o', 'up,wantedup', 'neverReady').stdout).toBe('false false\n');
  });

  it('-d skips an essential service with a warning and keeps what it depends on; -D stops it', () => {
    const l = startLive({
      base: oneshot('/bin/true', { down: '/bin/true' }),
      vital: notifying({ dependencies: ['base'], files: { 'flag-essential': '' } }),
      plain: notifying({ dependencies: ['base'] }),
    });
    expect(l.rc('change', 'vital', 'plain').code).toBe(0);
    const r = l.rc('-d', 'change', 'base');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('s6rc: warning: service vital is marked as essential, not stopping it\n');
    expect(l.up()).toEqual(['base', 'vital']);
    const forced = l.rc('-D', 'change', 'base');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('');
    expect(l.up()).toEqual([]);
  });

  it('-p prunes: -pu leaves exactly the closed selection up, -pd the most that excludes the selection', () => {
    const l = stack();
    expect(l.rc('change', 'other', 'setup').code).toBe(0);
    expect(l.rc('-pu', 'change', 'daemon').code).toBe(0);
    expect(l.up()).toEqual(['base', 'daemon', 'setup']);
    expect(l.rc('-pd', 'change', 'daemon').code).toBe(0);
    expect(l.up()).toEqual(['base', 'other', 'setup']);
  });

  it('-a adds the active services: -ua keeps them up, -da takes them down', () => {
    const l = stack();
    expect(l.rc('change', 'other').code).toBe(0);
    expect(l.rc('-ua', 'change', 'setup').code).toBe(0);
    expect(l.up()).toEqual(['base', 'other', 'setup']);
    expect(l.rc('-da', 'change').code).toBe(0);
    expect(l.up()).toEqual([]);
  });

  it('-n throttle waits that long per transition and touches nothing', () => {
    const l = stack();
    const t0 = Date.now();
    const r = l.rc('-n', '150', 'change', 'setup');
    const took = Date.now() - t0;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('s6rc-dryrun: up base: /bin/true\ns6rc-dryrun: up setup: /bin/true\n');
    expect(took).toBeGreaterThanOrEqual(300);
    expect(l.up()).toEqual([]);
    expect(l.run('history', '--changes').stdout.trim().split('\n')).toHaveLength(1); // header only
  });

  it('start and stop are -u change and -d change', () => {
    const l = stack();
    expect(l.rc('start', 'setup').code).toBe(0);
    expect(l.up()).toEqual(['base', 'setup']);
    expect(l.rc('stop', 'base').code).toBe(0);
    expect(l.up()).toEqual([]);
    expect(l.rc('start').code).toBe(100);
  });

  it('list: the selection, -d inverted, -a what is up, -da what is down', () => {
    const l = stack();
    expect(l.rc('change', 'setup').code).toBe(0);
    expect(l.rc('list', 'myservicebundle').stdout).toBe('daemon\nsetup\n');
    expect(l.rc('-d', 'list', 'myservicebundle').stdout).toBe('base\nother\nwatcher\n');
    expect(l.rc('-a', 'list').stdout).toBe('base\nsetup\n');
    expect(l.rc('-da', 'list').stdout).toBe('daemon\nother\nwatcher\n');
  });

  it('records the change with argv, user, each transition and the exit code', () => {
    const l = stack();
    expect(l.rc('change', 'setup').code).toBe(0);
    const events = l.events();
    const startedEv = events.find((e) => e.event === 'change.started')!;
    expect(startedEv.payload.argv ?? startedEv).toBeTruthy();
    const changes = l.run('history', '--changes').stdout;
    expect(changes).toMatch(/change setup/);
    const ofChange = events.filter((e) => e.change === startedEv.change).map((e) => e.event);
    expect(ofChange).toEqual(expect.arrayContaining(['change.started', 'transition.scheduled', 'transition.succeeded', 'live.up', 'change.ended']));
  });
});
