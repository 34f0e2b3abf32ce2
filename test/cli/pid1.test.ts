/**
 * `s6rc boot` as a container's PID 1, in a new PID namespace (util-linux's
 * `unshare --pid --fork --mount-proc`): it reaps every orphan, SIGTERM brings
 * everything down in order, a second one escalates, `--exit-on-failure` ends
 * it on a permanent failure. Then the supervisor as a child subreaper,
 * outside a namespace: what services fork and leave behind is reaped, and
 * stopped at shutdown (and a flag-timeout-killpg longrun's, when it stops).
 *
 * Cleanup is by pid: SIGKILL to the namespace's init ends every process in
 * the namespace; outside one, the supervisor and the processes the services
 * told us about.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC, s6rc, tempDir } from '../helpers/cli.js';
import { initLive, isAlive, readPid, until, writeSource, type SourceService, type TestLive } from '../helpers/supervisor.js';

const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';

/** Why the namespace tests cannot run here, or null. */
function namespaceUnavailable(): string | null {
  if (!existsSync(UNSHARE)) return `${UNSHARE} is missing (util-linux)`;
  if (process.getuid?.() !== 0) return 'not root: unshare --pid needs CAP_SYS_ADMIN';
  const probe = spawnSync(UNSHARE, ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return `unshare --pid --fork --mount-proc fails here: ${probe.stderr.trim() || `exit ${probe.status}`}`;
  return null;
}
const skipNamespace = namespaceUnavailable();
if (skipNamespace) console.log(`pid1.test.ts: skipping the PID namespace tests: ${skipNamespace}`);

interface Container {
  /** unshare, outside the namespace. */
  child: ChildProcess;
  /** boot: the namespace's PID 1, by its pid outside. */
  init: () => number;
  root: string;
  live: string;
  err: () => string;
  exit: Promise<number | null>;
}

const containers: Container[] = [];
const lives: TestLive[] = [];
const pids: number[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of containers.splice(0)) {
    // The namespace's init dying takes every process of the namespace with it.
    for (const pid of [safely(() => c.init()), c.child.exitCode === null ? c.child.pid : undefined]) {
      if (pid) kill(pid, 'SIGKILL');
    }
  }
  for (const pid of pids.splice(0)) kill(pid, 'SIGKILL');
  while (lives.length) lives.pop()!.cleanup();
  for (const c of cleanups.splice(0)) c();
});

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The children of `pid`, from every one of its threads. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of safely(() => readdirSync(`/proc/${pid}/task`)) ?? []) {
    const text = safely(() => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')) ?? '';
    for (const w of text.split(' ')) if (w) out.push(Number(w));
  }
  return out;
}

function stateOf(pid: number): string | null {
  const stat = safely(() => readFileSync(`/proc/${pid}/stat`, 'latin1'));
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] : null;
}

/** Zombies among the processes of the PID namespace `init` leads, as `pid comm` strings. */
function zombiesInNamespace(init: number): string[] {
  const ns = readlinkSync(`/proc/${init}/ns/pid`);
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || safely(() => readlinkSync(`/proc/${entry}/ns/pid`)) !== ns) continue;
    if (stateOf(Number(entry)) === 'Z') found.push(`${entry} ${safely(() => readFileSync(`/proc/${entry}/comm`, 'utf8').trim())}`);
  }
  return found;
}

/** `s6rc boot` of `services` as PID 1 of a new PID namespace. */
function bootInNamespace(services: Record<string, SourceService>, args: string[] = []): Container {
  const t = tempDir('s6rc-pid1-');
  cleanups.push(t.cleanup);
  const source = join(t.dir, 'source');
  writeSource(source, services);
  const live = join(t.dir, 'live');
  const child = spawn(UNSHARE, ['--pid', '--fork', '--mount-proc', process.execPath, S6RC, 'boot', '-l', live, ...args, source], {
    env: { ...process.env, S6RC_STORE: '', NO_COLOR: '1', S6RC_TEST_ROOT: t.dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let init = 0;
  const c: Container = {
    child,
    root: t.dir,
    live,
    err: () => err,
    exit,
    init: () => {
      if (!init) init = childrenOf(child.pid!)[0] ?? 0;
      if (!init) throw new Error('the namespace has no init yet');
      return init;
    },
  };
  containers.push(c);
  return c;
}

function lines(path: string): string[] {
  return (safely(() => readFileSync(path, 'utf8')) ?? '').split('\n').filter(Boolean);
}

/** A finish that appends the service's name to $S6RC_TEST_ROOT/order: the order services went down. */
const recordStop = (name: string) => `echo ${name} >> "$S6RC_TEST_ROOT/order"`;

describe.skipIf(skipNamespace !== null)('s6rc boot as PID 1 of a PID namespace', () => {
  it('reaps every orphan: what a service double-forks (through the supervisor) and what reaches PID 1 directly', async () => {
    const c = bootInNamespace({
      // Five children that outlive their parent subshell by 0.1 s: orphans that then exit.
      forker: { type: 'longrun', run: 'for i in 1 2 3 4 5; do (sleep 0.1 &); done; touch "$S6RC_TEST_ROOT/forked"; exec sleep 1000' },
      plain: { type: 'longrun', run: 'exec sleep 1000' },
      checked: { type: 'oneshot', up: '/bin/sh -c "exit 0"', down: '/bin/sh -c "exit 0"' },
    });
    await until(() => c.err().includes('Ctrl-C'), 30_000, 'boot to bring everything up');
    expect(c.err()).toContain('s6rc: info: service forker successfully started\n');
    await until(() => existsSync(join(c.root, 'forked')), 10_000, 'forker to fork');
    const init = c.init();
    // Orphans whose parent is in the namespace but under no subreaper go to its init, boot.
    const injected = spawnSync(NSENTER, ['-t', String(init), '-p', '--', '/bin/sh', '-c', 'for i in 1 2 3; do (sleep 0.1 &); done'], { timeout: 10_000 });
    expect(injected.status).toBe(0);
    // Without a reaper they would stay zombies for good; give the exits time to happen, then there are none.
    await new Promise((r) => setTimeout(r, 500));
    await until(() => zombiesInNamespace(init).length === 0, 5_000, `no zombie in the namespace (${zombiesInNamespace(init).join(', ')})`);
    // boot's only child is the supervisor: every orphan that came to boot is gone, none is left a zombie.
    const bootChildren = childrenOf(init);
    expect(bootChildren.length).toBe(1);
    expect(stateOf(bootChildren[0])).not.toBe('Z');
    // Nothing was reaped from under the supervisor: the services' processes are still supervised.
    const status = JSON.parse(s6rc(['status', '-l', c.live, '--json']).stdout) as { name: string; state: string; pid: number | null }[];
    expect(status.map((s) => `${s.name} ${s.state}`).sort()).toEqual(['checked ready', 'forker ready', 'plain ready']);
    kill(init, 'SIGTERM');
    expect(await c.exit).toBe(0);
    expect(c.err()).toContain('s6rc: info: service checked successfully stopped\n');
  });

  it('SIGTERM brings everything down in reverse dependency order, within timeout-kill, and exits 0', async () => {
    const c = bootInNamespace({
      base: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('base') },
      mid: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('mid'), dependencies: ['base'] },
      top: { type: 'longrun', run: 'exec sleep 1000', finish: `sleep 0.2; ${recordStop('top')}`, dependencies: ['mid'] },
      // Ignores SIGTERM: timeout-kill ends it.
      stubborn: {
        type: 'longrun',
        run: `trap '' TERM; touch "$S6RC_TEST_ROOT/trapped"; while :; do sleep 0.05; done`,
        finish: recordStop('stubborn'),
        dependencies: ['base'],
        files: { 'timeout-kill': '300\n' },
      },
      default: { type: 'bundle', contents: ['top', 'stubborn'] },
    });
    await until(() => c.err().includes('Ctrl-C') && existsSync(join(c.root, 'trapped')), 30_000, 'boot to bring default up');
    const t0 = Date.now();
    kill(c.init(), 'SIGTERM');
    expect(await c.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const order = lines(join(c.root, 'order'));
    expect(order.sort()).toEqual(['base', 'mid', 'stubborn', 'top']);
    const at = (name: string) => lines(join(c.root, 'order')).indexOf(name);
    expect(at('top')).toBeLessThan(at('mid'));
    expect(at('mid')).toBeLessThan(at('base'));
    expect(at('stubborn')).toBeLessThan(at('base'));
    expect(c.err()).toContain('s6rc: info: SIGTERM: bringing every service down\n');
    expect(c.err()).toMatch(/s6rc: info: supervisor stopped; history: s6rc history -l .*\n$/);
  });

  it('a second SIGTERM during the shutdown kills what still runs, and boot exits 1', async () => {
    const c = bootInNamespace({
      base: { type: 'longrun', run: 'exec sleep 1000' },
      // Ignores SIGTERM and has no timeout-kill: only an escalation ends it.
      stubborn: { type: 'longrun', run: `trap '' TERM; touch "$S6RC_TEST_ROOT/trapped"; while :; do sleep 0.05; done`, dependencies: ['base'] },
    });
    await until(() => c.err().includes('Ctrl-C') && existsSync(join(c.root, 'trapped')), 30_000, 'boot to bring everything up');
    kill(c.init(), 'SIGTERM');
    await until(() => c.err().includes('service stubborn: stopping'), 10_000, 'the shutdown to reach stubborn');
    // Stuck: one signal is not enough.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.child.exitCode).toBe(null);
    const t0 = Date.now();
    kill(c.init(), 'SIGTERM');
    // Killed, not brought down: not a clean exit.
    expect(await c.exit).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(c.err()).toContain('s6rc: warning: second SIGTERM: killing every service\n');
    expect(c.err()).toMatch(/s6rc: info: supervisor stopped; history: s6rc history -l .*\n$/);
  });

  const BROKEN: Record<string, SourceService> = {
    base: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('base') },
    app: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('app'), dependencies: ['base'] },
    // run cannot be executed: its interpreter does not exist.
    broken: { type: 'longrun', files: { run: '#!/nonexistent/interpreter\n' }, dependencies: ['base'] },
    default: { type: 'bundle', contents: ['app', 'broken'] },
  };

  it('--exit-on-failure: a run that cannot be executed brings everything down, and boot exits 1', async () => {
    const c = bootInNamespace(BROKEN, ['--exit-on-failure']);
    expect(await c.exit).toBe(1);
    expect(c.err()).toMatch(/s6rc: warning: service broken failed: .*; --exit-on-failure: bringing every service down\n/);
    // Brought down by the supervisor (their finish ran), not killed with the namespace.
    expect(lines(join(c.root, 'order')).sort()).toEqual(['app', 'base']);
    expect(c.err()).toMatch(/s6rc: info: supervisor stopped; history: s6rc history -l .*\n$/);
  });

  it('--exit-on-failure: a readiness timeout brings everything down, and boot exits 1', async () => {
    const c = bootInNamespace(
      {
        base: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('base') },
        // Never writes its readiness line: timeout-up fails it.
        mute: { type: 'longrun', run: 'exec sleep 1000', notificationFd: 3, dependencies: ['base'], files: { 'timeout-up': '300\n' } },
      },
      ['--exit-on-failure'],
    );
    expect(await c.exit).toBe(1);
    expect(c.err()).toMatch(/s6rc: warning: service mute failed.*; --exit-on-failure: bringing every service down\n/);
    expect(lines(join(c.root, 'order'))).toEqual(['base']);
  });

  it('--exit-on-failure: a restart limit reached after the bring-up brings everything down, and boot exits 1', async () => {
    const c = bootInNamespace(
      {
        base: { type: 'longrun', run: 'exec sleep 1000', finish: recordStop('base') },
        // Up and ready at once, then crash-loops until restart-limit fails it for good.
        flaky: { type: 'longrun', run: 'sleep 0.3; exit 3', dependencies: ['base'], files: { 'restart-backoff': '20 20\n', 'restart-limit': '3 30\n' } },
      },
      ['--exit-on-failure'],
    );
    expect(await c.exit).toBe(1);
    expect(c.err()).toMatch(/s6rc: warning: service flaky failed: restart limit reached: 3 deaths within 30 s; --exit-on-failure: bringing every service down\n/);
    expect(lines(join(c.root, 'order'))).toEqual(['base']);
  });

  it('without --exit-on-failure, boot keeps the rest running after a failure', async () => {
    const c = bootInNamespace(BROKEN);
    await until(() => c.err().includes('still supervising what runs'), 30_000, 'boot to report the failure');
    await new Promise((r) => setTimeout(r, 500));
    expect(c.child.exitCode).toBe(null);
    const status = Object.fromEntries(
      (JSON.parse(s6rc(['status', '-l', c.live, '--json']).stdout) as { name: string; state: string }[]).map((s) => [s.name, s.state]),
    );
    expect(status).toMatchObject({ base: 'ready', app: 'ready', broken: 'down' });
    kill(c.init(), 'SIGTERM');
    // The change's failure code, as without a namespace.
    expect(await c.exit).toBe(1);
    expect(lines(join(c.root, 'order'))).toEqual(['app', 'base']);
  });
});

/** The pid a service wrote to `file`; killed after the test whatever happens. */
function pidIn(file: string): number {
  const pid = readPid(file);
  if (!pid) throw new Error(`no pid in ${file}`);
  pids.push(pid);
  return pid;
}

function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('the supervisor as a child subreaper', () => {
  it('reaps the orphans services leave, and stops the ones still running at shutdown', async () => {
    const l = initLive(
      {
        // A daemon that detaches (its own session) and outlives its parent, and short-lived orphans.
        detacher: {
          type: 'longrun',
          run: '(setsid sleep 1000 & echo $! > ../../detached); for i in 1 2 3; do (sleep 0.1 &); done; exec sleep 1000',
        },
      },
      lives,
    );
    expect(l.run('svc', '-u', '-wu', 'detacher').code).toBe(0);
    await until(() => readPid(join(l.live, 'detached')) !== null, 10_000, 'the detached daemon');
    const detached = pidIn(join(l.live, 'detached'));
    const supervisor = l.supervisorPid()!;
    // Re-parented to the supervisor, not to init.
    await until(() => ppidOf(detached) === supervisor, 5_000, 'the detached daemon to be re-parented to the supervisor');
    await new Promise((r) => setTimeout(r, 500));
    await until(() => childrenOf(supervisor).every((p) => stateOf(p) !== 'Z'), 5_000, 'no zombie child of the supervisor');
    expect(isAlive(detached)).toBe(true);
    const r = l.run('shutdown');
    expect(r.code).toBe(0);
    expect(isAlive(detached)).toBe(false);
    expect(isAlive(supervisor)).toBe(false);
    const stopped = s6rc(['history', '-l', l.live, '--json']).stdout.trim().split('\n').map((x) => JSON.parse(x) as { event: string; payload: { orphans?: number[] } });
    expect(stopped.find((e) => e.event === 'supervisor.stopped')?.payload.orphans).toEqual([detached]);
  });

  it('flag-timeout-killpg: stopping the longrun ends what its run left in its process group; without it, that waits for the shutdown', async () => {
    const leaves = (file: string) => `sleep 1000 & echo $! > ../../${file}; exec sleep 1000`;
    const l = initLive(
      {
        grouped: { type: 'longrun', run: leaves('grouped'), files: { 'flag-timeout-killpg': '' } },
        loose: { type: 'longrun', run: leaves('loose') },
      },
      lives,
    );
    expect(l.run('svc', '-u', '-wu', 'grouped', 'loose').code).toBe(0);
    await until(() => readPid(join(l.live, 'grouped')) !== null && readPid(join(l.live, 'loose')) !== null, 10_000, 'both runs to fork');
    const grouped = pidIn(join(l.live, 'grouped'));
    const loose = pidIn(join(l.live, 'loose'));
    expect(l.run('svc', '-d', '-wd', 'grouped', 'loose').code).toBe(0);
    await until(() => !isAlive(grouped), 5_000, "grouped's leftover to be stopped");
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(loose)).toBe(true);
    expect(ppidOf(loose)).toBe(l.supervisorPid());
    expect(l.run('shutdown').code).toBe(0);
    expect(isAlive(loose)).toBe(false);
  });
});

describe('s6rc boot outside a namespace', () => {
  it('leaves no process a service started once it exits', async () => {
    const t = tempDir('s6rc-boot-orphans-');
    cleanups.push(t.cleanup);
    const source = join(t.dir, 'source');
    writeSource(source, { detacher: { type: 'longrun', run: '(setsid sleep 1000 & echo $! > ../../../detached); exec sleep 1000' } });
    const live = join(t.dir, 'live');
    const child = spawn(process.execPath, [S6RC, 'boot', '-l', live, source], { env: { ...process.env, S6RC_STORE: '', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    pids.push(child.pid!);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await until(() => err.includes('Ctrl-C') && readPid(join(t.dir, 'detached')) !== null, 30_000, 'boot to bring detacher up');
    const detached = pidIn(join(t.dir, 'detached'));
    const supervisor = readPid(join(live, 'pid'))!;
    pids.push(supervisor);
    expect(isAlive(detached)).toBe(true);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(isAlive(detached)).toBe(false);
    expect(isAlive(supervisor)).toBe(false);
  });
});
