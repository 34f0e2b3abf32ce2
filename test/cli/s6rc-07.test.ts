/**
 * The s6-rc 0.7 surface besides `update` (reference/s6-rc-0.7): `reload`,
 * RC_NAME, reload-signal, flag-timeout-killpg, s6-svc's -P/-C/-K/-s/-l, the
 * long options, -E/-e, and an idempotent `init`. Real supervisors, real
 * processes, real signals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { initLive, isAlive, makeLive, until, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
const strays: number[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
  // Processes a test left outside the live directory's reach on purpose (a run's orphaned child).
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Records each signal it gets in ./data/signals, notifies readiness, keeps running. */
const RECORDER = 'for s in HUP USR1 USR2; do trap "echo $s >> ./data/signals" $s; done; echo >&3; while :; do sleep 0.05; done';

const started = (services: Record<string, SourceService>) => initLive(services, lives);

const scratch: (() => void)[] = [];
afterEach(() => scratch.splice(0).forEach((c) => c()));
/** A path in a fresh temporary directory, for a script to write to. */
function scratchFile(name: string): string {
  const t = tempDir('s6rc-07-');
  scratch.push(t.cleanup);
  return join(t.dir, name);
}

const file = (l: TestLive, service: string, rel: string) => join(l.live, 'servicedirs', service, rel);
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const pidOf = (l: TestLive, name: string) => Number(l.run('status', '-p', name).stdout.trim());
/** The state letter of /proc/pid/stat: S, R, T (stopped), Z... */
const procState = (pid: number) => /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1];

describe('s6rc reload (s6-rc 0.7)', () => {
  const services = (mark: string): Record<string, SourceService> => ({
    hup: { type: 'longrun', run: RECORDER, notificationFd: 3, files: { 'data/signals': '' } },
    usr1: { type: 'longrun', run: RECORDER, notificationFd: 3, files: { 'data/signals': '', 'reload-signal': 'SIGUSR1\n' } },
    script: { type: 'oneshot', up: 'true', files: { reload: `/bin/sh -c "echo reloaded $RC_NAME >> ${mark}"` } },
    plain: { type: 'oneshot', up: 'true' },
    broken: { type: 'oneshot', up: 'true', files: { reload: '/bin/sh -c "exit 3"' } },
    idle: { type: 'longrun', run: 'exec sleep 1000' },
  });

  it("sends a longrun its reload-signal, runs a oneshot's reload script (none: success), and records one change", async () => {
    const mark = scratchFile('reloads');
    const l = started(services(mark));
    expect(l.run('change', 'hup', 'usr1', 'script', 'plain').code).toBe(0);
    const r = l.run('reload', '-v2', 'hup', 'usr1', 'script', 'plain');
    expect(r.code).toBe(0);
    for (const n of ['hup', 'usr1', 'script', 'plain']) expect(r.stderr).toContain(`s6rc: info: service ${n} successfully reloaded\n`);
    await until(() => lines(file(l, 'hup', 'data/signals')).length === 1 && lines(file(l, 'usr1', 'data/signals')).length === 1, 10_000, 'the signals');
    expect(lines(file(l, 'hup', 'data/signals'))).toEqual(['HUP']);
    expect(lines(file(l, 'usr1', 'data/signals'))).toEqual(['USR1']);
    expect(readFileSync(mark, 'utf8')).toBe('reloaded script\n');
    // Nothing went down, nothing restarted.
    expect(l.run('-a', 'list').stdout).toBe('hup\nplain\nscript\nusr1\n');

    const history = l.run('history', '--changes', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    const last = history.at(-1);
    expect(last.argv.slice(0, 2)).toEqual(['s6rc', 'reload']);
    expect(last.exitCode).toBe(0);
    const events = l.run('history', '--change', String(last.id), '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(events.filter((e) => e.event === 'control.signal').map((e) => [e.service, e.payload.signal]).sort()).toEqual([
      ['hup', 'SIGHUP'],
      ['usr1', 'SIGUSR1'],
    ]);
    expect(events.filter((e) => e.service === 'script').map((e) => e.event)).toEqual(['reload', 'script.spawned', 'script.exited']);
  });

  it('refuses a service that is not up (1) and an unknown name (3), reloading nothing', () => {
    const mark = scratchFile('reloads');
    const l = started(services(mark));
    expect(l.run('change', 'script').code).toBe(0);
    const down = l.run('reload', 'script', 'idle');
    expect(down.code).toBe(1);
    expect(down.stderr).toBe('s6rc: fatal: service idle is not up\n');
    const unknown = l.run('reload', 'script', 'zork');
    expect(unknown.code).toBe(3);
    expect(() => readFileSync(mark)).toThrow();
    expect(l.run('reload').code).toBe(100);
  });

  it('a failing reload script exits 1 and the oneshot stays up', () => {
    const l = started(services('/dev/null'));
    expect(l.run('change', 'broken').code).toBe(0);
    const r = l.run('reload', 'broken');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('s6rc: warning: unable to reload service broken: reload: command exited 3\n');
    expect(l.run('-a', 'list').stdout).toBe('broken\n');
  });
});

describe('s6-rc 0.7 service definitions', () => {
  it('oneshots get RC_NAME in their environment', () => {
    const mark = scratchFile('name');
    const l = started({ named: { type: 'oneshot', up: `/bin/sh -c "echo $RC_NAME > ${mark}"` } });
    expect(l.run('change', 'named').code).toBe(0);
    expect(readFileSync(mark, 'utf8')).toBe('named\n');
  });

  // run and its child ignore SIGTERM (an ignored signal stays ignored across exec), so only timeout-kill's SIGKILL ends them.
  const stubborn = (killpg: boolean): SourceService => ({
    type: 'longrun',
    run: 'trap "" TERM; sleep 1000 & echo $! > ./data/child; echo >&3; wait',
    notificationFd: 3,
    files: { 'data/child': '', 'timeout-kill': '200\n', ...(killpg ? { 'flag-timeout-killpg': '' } : {}) },
  });

  it("flag-timeout-killpg: timeout-kill's SIGKILL reaches run's whole process group; without it, only run", async () => {
    const l = started({ group: stubborn(true), single: stubborn(false) });
    expect(l.run('change', 'group', 'single').code).toBe(0);
    const groupChild = Number(readFileSync(file(l, 'group', 'data/child'), 'utf8'));
    const singleChild = Number(readFileSync(file(l, 'single', 'data/child'), 'utf8'));
    strays.push(singleChild);
    const [groupRun, singleRun] = [pidOf(l, 'group'), pidOf(l, 'single')];
    expect(l.run('-d', 'change', 'group', 'single').code).toBe(0);
    expect(isAlive(groupRun)).toBe(false);
    expect(isAlive(singleRun)).toBe(false);
    await until(() => !isAlive(groupChild), 5_000, 'the group child to die');
    expect(isAlive(singleChild)).toBe(true);
  });

  it('a reload-signal that is not a signal is a compile error naming the file', () => {
    expect(() => makeLive({ bad: { type: 'longrun', run: 'exec sleep 1000', files: { 'reload-signal': 'SIGNOPE\n' } } })).toThrow(
      /invalid signal 'SIGNOPE' in .*\/bad\/reload-signal/,
    );
  });
});

describe("s6rc svc: s6-svc's -P -C -K -s -l", () => {
  const forking: SourceService = {
    type: 'longrun',
    run: 'sleep 1000 & echo $! > ./data/child; for s in HUP USR1; do trap "echo $s >> ./data/signals" $s; done; echo >&3; while :; do sleep 0.05; done',
    notificationFd: 3,
    files: { 'data/child': '', 'data/signals': '', 'reload-signal': 'USR1\n' },
  };

  it('-P stops and -C continues the whole process group; -K kills it, and run is respawned', async () => {
    const l = started({ d: forking });
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    const run = pidOf(l, 'd');
    const child = Number(readFileSync(file(l, 'd', 'data/child'), 'utf8'));
    expect(l.run('svc', '-P', 'd').code).toBe(0);
    await until(() => procState(run) === 'T' && procState(child) === 'T', 10_000, 'both stopped');
    expect(l.run('svc', '-C', 'd').code).toBe(0);
    await until(() => procState(run) !== 'T' && procState(child) !== 'T', 10_000, 'both continued');
    expect(l.run('svc', '-K', '-wR', '-T', '10000', 'd').code).toBe(0);
    expect(isAlive(run)).toBe(false);
    expect(isAlive(child)).toBe(false);
    expect(pidOf(l, 'd')).not.toBe(run);
  });

  it('-s sends a signal by name or number; -l sends the reload-signal; anything else is a usage error', async () => {
    const l = started({ d: forking, o: { type: 'oneshot', up: 'true' } });
    expect(l.run('svc', '-u', '-wU', 'd').code).toBe(0);
    // A oneshot has no reload-signal: s6rc reload runs its reload script instead.
    expect(l.run('svc', '-l', 'o')).toMatchObject({ code: 5, stderr: 's6rc: fatal: service o is not a longrun\n' });
    expect(l.run('svc', '-s', 'hup', 'd').code).toBe(0);
    await until(() => lines(file(l, 'd', 'data/signals')).length === 1, 10_000, 'HUP');
    expect(l.run('svc', '-s', '1', 'd').code).toBe(0);
    await until(() => lines(file(l, 'd', 'data/signals')).length === 2, 10_000, 'HUP by number');
    expect(l.run('svc', '-l', 'd').code).toBe(0);
    await until(() => lines(file(l, 'd', 'data/signals')).length === 3, 10_000, 'the reload-signal');
    expect(lines(file(l, 'd', 'data/signals'))).toEqual(['HUP', 'HUP', 'USR1']);
    const bad = l.run('svc', '-s', 'SEGV', 'd');
    expect(bad.code).toBe(100);
    expect(bad.stderr).toMatch(/^s6rc: fatal: option -s: SEGV is not one of the signals s6-svc sends/);
    expect(isAlive(pidOf(l, 'd'))).toBe(true);
  });
});

describe('long options and -E/-e (s6-rc 0.6+)', () => {
  const services: Record<string, SourceService> = {
    base: { type: 'oneshot', up: 'true', files: { 'flag-essential': '' } },
    app: { type: 'oneshot', up: 'true', dependencies: ['base'] },
  };

  it('--livedir, --up/--down, --dry-run, --timeout, --add work as -l, -u/-d, -n, -t, -a', () => {
    const l = started(services);
    const long = (...args: string[]) => s6rc(['--livedir', l.live, ...args], { env: { ...process.env, S6RC_STORE: '' } });
    const dry = long('--dry-run=0', 'change', 'app');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('app');
    expect(long('--add', 'list').stdout).toBe('');
    expect(long('--up', '--timeout', '10000', 'change', 'app').code).toBe(0);
    expect(long('--add', 'list').stdout).toBe('app\nbase\n');
    expect(long('--down', 'change', 'app').code).toBe(0);
    expect(long('--add', 'list').stdout).toBe('base\n');
    expect(long('--verbosity', 'x', 'list').code).toBe(100);
  });

  it('-e leaves essential services out of list and listall, and lets a down change stop them; -E is the default', () => {
    const l = started(services);
    expect(l.run('change', 'app').code).toBe(0);
    expect(l.run('-a', 'list').stdout).toBe('app\nbase\n');
    expect(l.run('-a', '-e', 'list').stdout).toBe('app\n');
    expect(l.run('-e', '-E', 'listall', 'app').stdout).toBe('app\nbase\n');
    expect(l.run('--without-essentials', 'listall', 'app').stdout).toBe('app\n');
    expect(l.run('-D', 'list', 'app').stdout).toBe('');
    const kept = l.run('-d', 'change', 'base');
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('base is marked as essential');
    expect(l.run('-a', 'list').stdout).toBe('base\n');
    expect(l.run('-d', '-e', 'change', 'base').code).toBe(0);
    expect(l.run('-a', 'list').stdout).toBe('');
  });
});

describe('s6rc init is idempotent (s6-rc 0.7)', () => {
  it('on a live directory whose supervisor runs, succeeds without disturbing anything', () => {
    const l = started({ web: { type: 'longrun', run: 'exec sleep 1000' } });
    expect(l.run('change', 'web').code).toBe(0);
    const [supervisor, web] = [l.supervisorPid(), pidOf(l, 'web')];
    const again = l.run('init', '-c', l.compiled);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(l.supervisorPid()).toBe(supervisor);
    expect(pidOf(l, 'web')).toBe(web);

    const other = makeLive({ web: { type: 'longrun', run: 'exec sleep 2000' } });
    lives.push(other);
    const differs = l.run('init', '-c', other.compiled);
    expect(differs.code).toBe(0);
    expect(differs.stderr).toMatch(/^s6rc: warning: a supervisor already runs on .* \(pid \d+\) with another compiled database; nothing changed \(s6rc update .* switches to it\)\n$/);
    expect(pidOf(l, 'web')).toBe(web);
    expect(l.run('-a', 'list').stdout).toBe('web\n');
  });
});
