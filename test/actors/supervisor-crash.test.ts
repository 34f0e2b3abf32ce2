/**
 * A supervisor killed with SIGKILL at an awkward moment (issue 14, items 2,
 * 2b and 3): a oneshot never runs twice for one request, a process spawned
 * just before the kill is neither duplicated nor orphaned, and the change that
 * was running is closed by the next supervisor.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC } from '../helpers/cli.js';
import { initLive, isAlive, restartDaemon, until, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
const clients: number[] = [];
afterEach(() => {
  for (const pid of clients.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  while (lives.length) lives.pop()!.cleanup();
});

const started = (services: Record<string, SourceService>) => initLive(services, lives);

/** `s6rc -l live ARGS` in the background (a client the test may abandon). */
function background(l: TestLive, ...args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [S6RC, '-l', l.live, ...args], { stdio: 'ignore', env: { ...process.env, S6RC_STORE: '' } });
  clients.push(child.pid!);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/**
 * Every process of this live directory's services, by service: by its markers, or by its
 * working directory (`servicedirs/<name>`, where every run starts), whatever its place in the tree.
 */
function serviceProcesses(live: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const servicedirs = join(live, 'servicedirs') + '/';
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !isAlive(Number(entry))) continue;
    let service: string | undefined;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (env.includes(`S6RC_LIVE=${live}`)) service = env.find((v) => v.startsWith('S6RC_SERVICE='))?.slice('S6RC_SERVICE='.length);
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd.startsWith(servicedirs)) service ??= cwd.slice(servicedirs.length).split('/')[0];
    } catch {
      continue;
    }
    if (service) out.set(service, [...(out.get(service) ?? []), Number(entry)]);
  }
  return out;
}

const statusOf = (l: TestLive, name: string) => JSON.parse(l.run('status', '--json', name).stdout)[0] as { state: string; pid: number | null; error: string | null };

function history(l: TestLive): { event: string; service: string | null; change: number | null; payload: Record<string, unknown> }[] {
  return l.run('history', '--json').stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('a oneshot interrupted by a supervisor crash', () => {
  it('is adopted while its script still runs, never run twice, and its outcome is reported unknown', async () => {
    const l = started({ migrate: { type: 'oneshot', up: '/bin/sh -c "echo ran >> runs; exec sleep 2"' } });
    const change = background(l, 'change', 'migrate');
    await until(() => existsSync(join(l.live, 'runs')), 10_000, 'up to start');
    const script = statusOf(l, 'migrate').pid!;
    process.kill(l.supervisorPid()!, 'SIGKILL');
    await change;
    await restartDaemon(l);
    expect(statusOf(l, 'migrate')).toMatchObject({ state: 'starting', pid: script });
    await until(() => !isAlive(script), 10_000, 'the adopted script to end');
    await until(() => statusOf(l, 'migrate').state === 'failed', 10_000, 'its outcome recorded');
    expect(statusOf(l, 'migrate').error).toBe('up: outcome unknown: the supervisor died while it ran');
    expect(readFileSync(join(l.live, 'runs'), 'utf8')).toBe('ran\n');
    const types = history(l).filter((e) => e.service === 'migrate').map((e) => e.event);
    expect(types.filter((t) => t === 'script.spawned')).toHaveLength(1);
    expect(types.slice(-2)).toEqual(['script.adopted', 'script.lost']);
    // diff and status say so; the live state is untouched and the next change decides.
    const diff = l.run('diff');
    expect(diff).toMatchObject({ code: 1, stdout: '' });
    expect(diff.stderr).toBe('s6rc: warning: service migrate: up: outcome unknown: the supervisor died while it ran; the next change decides\n');
    expect(l.run('status', 'migrate').stdout).toMatch(/failed: up: outcome unknown/);
    expect(l.run('change', 'migrate').code).toBe(0);
    expect(readFileSync(join(l.live, 'runs'), 'utf8')).toBe('ran\nran\n');
    expect(l.run('diff')).toMatchObject({ code: 0, stderr: '' });
  });

  it('is not run again when its script died with the supervisor', async () => {
    const l = started({ migrate: { type: 'oneshot', up: '/bin/sh -c "echo ran >> runs; exec sleep 100"' } });
    const change = background(l, 'change', 'migrate');
    await until(() => existsSync(join(l.live, 'runs')), 10_000, 'up to start');
    const script = statusOf(l, 'migrate').pid!;
    process.kill(l.supervisorPid()!, 'SIGKILL');
    process.kill(-script, 'SIGKILL');
    await change;
    await until(() => !isAlive(script), 5000, 'the script to die');
    await restartDaemon(l);
    expect(statusOf(l, 'migrate')).toMatchObject({ state: 'failed', pid: null, error: 'up: outcome unknown: the supervisor died while it ran' });
    // Failed, not starting: nothing runs it again until a change asks.
    expect(history(l).filter((e) => e.service === 'migrate' && e.event === 'script.spawned')).toHaveLength(1);
    expect(readFileSync(join(l.live, 'runs'), 'utf8')).toBe('ran\n');
    const recovered = history(l).find((e) => e.event === 'supervisor.recovered')!;
    expect(recovered.payload).toMatchObject({ unknown: ['migrate'] });
  });
});

describe('a supervisor killed while it starts a large graph', () => {
  /**
   * 200 longruns: a root, 150 services that need only it, then 50 that need two of those. One of the
   * 150, `killer`, SIGKILLs the supervisor as it starts (once): its siblings were spawned in the same
   * turn, so some have been spawned with no `run.spawned` committed yet. Otherwise the test kills it
   * as soon as the wide level is starting; the last 50 take half a second to be ready, so the change
   * is still running then, however loaded the machine.
   */
  function graph(killer: boolean): Record<string, SourceService> {
    const services: Record<string, SourceService> = { s0: { type: 'longrun', run: 'echo >&3; exec sleep 1000', notificationFd: 3 } };
    for (let i = 1; i < 200; i++) {
      services[`s${i}`] = i <= 150
        ? { type: 'longrun', run: 'exec sleep 1000', dependencies: ['s0'] }
        : { type: 'longrun', run: 'sleep 0.5; echo >&3; exec sleep 1000', notificationFd: 3, dependencies: [`s${i - 150}`, `s${i - 100}`] };
    }
    // The guard file keeps a recovered supervisor that restarts it from being killed again.
    if (killer) services.s75.run = '[ -e ../../killed ] || { : > ../../killed; kill -9 $PPID; }; exec sleep 1000';
    services.all = { type: 'bundle', contents: Object.keys(services) };
    return services;
  }

  for (const how of ['killed by a service as it starts', 'killed from outside'] as const) {
    it(`${how}: no duplicate and no orphan, recovery adopts or stops what it finds, the change is closed`, async () => {
      const l = started(graph(how.startsWith('killed by')));
      const supervisor = l.supervisorPid()!;
      const change = background(l, 'change', 'all');
      if (how === 'killed from outside') {
        await until(() => serviceProcesses(l.live).has('s1'), 10_000, 'the wide level to start');
        process.kill(supervisor, 'SIGKILL');
      }
      await change;
      await until(() => !isAlive(supervisor), 10_000, 'the supervisor to die');
      await restartDaemon(l);
      expect(l.run('change', 'all').code).toBe(0);
      // Exactly one process per service (they exec sleep), the one its actor supervises.
      const found = serviceProcesses(l.live);
      const supervised = new Map((JSON.parse(l.run('status', '--json').stdout) as { name: string; pid: number }[]).map((st) => [st.name, st.pid]));
      expect(supervised.size).toBe(200);
      expect([...found.keys()].sort()).toEqual([...supervised.keys()].sort());
      for (const [service, pids] of found) expect({ service, pids }).toEqual({ service, pids: [supervised.get(service)] });
      // The change the dead supervisor was running is closed, its exit unknown.
      const changes = l.run('history', '--changes', '--json').stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(changes[0]).toMatchObject({ id: 1, exitCode: null, reason: 'supervisor died' });
      expect(changes[0].ended).not.toBeNull();
      expect(l.run('history', '--changes').stdout).toMatch(/^1 .* unknown \(supervisor died\) /m);
      expect(l.run('replay', '--verify').code).toBe(0);
      expect(l.run('shutdown').code).toBe(0);
      await until(() => serviceProcesses(l.live).size === 0, 10_000, 'every service process gone after shutdown');
    });
  }
});
