/**
 * A transition that never ends by itself (a oneshot whose `up` hangs, a longrun
 * that never notifies readiness) must not freeze the machine: unrelated changes
 * go on, a `down` cancels it, shutdown and SIGTERM always end, and nothing the
 * supervisor started outlives it (issue 14, item 1).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC } from '../helpers/cli.js';
import { isAlive, until } from '../helpers/supervisor.js';
import { cleanupAll, notifying, oneshot, startLive, type RcLive } from './changeHelpers.js';

afterEach(cleanupAll);

/** The pids of every process whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every process in the process group `pgid` (a script and what it forked). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

const statusOf = (l: RcLive, name: string) => JSON.parse(l.run('status', '--json', name).stdout)[0] as { state: string; pid: number | null };

/** A oneshot whose up hangs, as in the report: `/bin/sh -c "sleep 1000"` (dash forks sleep as its child). */
const stuckServices = () =>
  startLive({
    stuck: oneshot('/bin/sh -c "sleep 1000"', { down: '/bin/sh -c "echo undone >> down-ran"' }),
    needs: oneshot('/bin/true', { dependencies: ['stuck'] }),
    other: oneshot('/bin/true'),
    hung: { type: 'longrun', run: 'exec sleep 1000', notificationFd: 3 },
  });

/** `s6rc daemon` in the foreground on an initialised live directory (as an operator runs it), with its stderr; `ready` once it notified. */
function foregroundDaemon(l: RcLive, options: string[] = []) {
  const daemon = spawn(process.execPath, [S6RC, 'daemon', '-l', l.live, ...options, '-N', '3'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let log = '';
  daemon.stderr!.on('data', (d) => (log += d));
  const ready = new Promise<void>((resolve, reject) => {
    daemon.stdio[3]!.once('data', () => resolve());
    daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${log}`)));
  });
  return { daemon, log: () => log, ready };
}

describe('a transition stuck in flight', () => {
  it('blocks only what needs it; down cancels it (kill the group, record, run down)', async () => {
    const l = stuckServices();
    expect(l.rc('-t', '500', 'change', 'stuck', 'hung').code).toBe(2);
    const script = statusOf(l, 'stuck').pid!;
    expect(script).toBeGreaterThan(0);
    const [sleeper] = childrenOf(script);
    expect(sleeper).toBeGreaterThan(0);

    // Unrelated: at once, with no word about earlier changes.
    const t0 = Date.now();
    const other = l.rc('-v2', 'change', 'other');
    expect(other).toMatchObject({ code: 0, stderr: 's6rc: info: service other: starting\ns6rc: info: service other successfully started\n' });
    expect(Date.now() - t0).toBeLessThan(5000);
    // What needs the stuck service waits for it, bounded by its own -t.
    expect(l.rc('-t', '400', 'change', 'needs').code).toBe(2);

    // -d cancels the up in flight: the whole group is killed, the failure recorded, down runs.
    const down = l.rc('-v2', '-d', 'change', 'stuck', 'hung');
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/service stuck successfully stopped/);
    expect(isAlive(script)).toBe(false);
    await until(() => !isAlive(sleeper), 5000, 'the script\'s child to die with its group');
    expect(readFileSync(join(l.live, 'down-ran'), 'utf8')).toBe('undone\n');
    expect(statusOf(l, 'stuck').state).toBe('down');
    expect(statusOf(l, 'hung').state).toBe('down');
    const events = l.events();
    const killed = events.find((e) => e.service === 'stuck' && e.event === 'script.exited')!;
    expect(killed.payload).toMatchObject({ pid: script, signal: 'SIGTERM' });
    // The first change's up transitions are recorded as failed when they end.
    await until(() => l.events().some((e) => e.event === 'change.ended' && e.change === 1), 5000, 'the first change to end');
    const failed = l.events().filter((e) => e.change === 1 && e.event === 'transition.failed').map((e) => e.service).sort();
    expect(failed).toEqual(['hung', 'stuck']);
    expect(l.up()).toEqual(['other']);
  });

  it('svc -k kills the running script of a oneshot', async () => {
    const l = stuckServices();
    expect(l.rc('-t', '300', 'change', 'stuck').code).toBe(2);
    const script = statusOf(l, 'stuck').pid!;
    const svc = l.run('svc', '-k', 'stuck');
    expect(svc).toMatchObject({ code: 0, stderr: '' });
    await until(() => statusOf(l, 'stuck').state === 'failed', 5000, 'stuck failed');
    expect(isAlive(script)).toBe(false);
    // A oneshot that runs nothing has nothing to signal.
    const idle = l.run('svc', '-k', 'other');
    expect(idle).toMatchObject({ code: 5, stderr: 's6rc: fatal: service other is a oneshot with no script running\n' });
  });

  it('shutdown without -t still ends: the stuck up is cancelled and nothing survives', async () => {
    const l = stuckServices();
    expect(l.rc('-t', '300', 'change', 'stuck', 'hung').code).toBe(2);
    const supervisor = l.supervisorPid()!;
    const script = statusOf(l, 'stuck').pid!;
    const group = groupMembers(script);
    const hung = statusOf(l, 'hung').pid!;
    expect(group.length).toBe(2);
    const r = l.run('shutdown');
    expect(r.code).toBe(0);
    await until(() => !isAlive(supervisor), 5000, 'the supervisor to exit');
    for (const pid of [...group, hung]) expect(isAlive(pid)).toBe(false);
  });

  it('shutdown -t ends within its timeout, killing what ignores its down-signal', async () => {
    const l = startLive({
      tough: notifying({ run: "trap '' TERM; echo >&3; while :; do sleep 0.1; done" }),
    });
    expect(l.rc('change', 'tough').code).toBe(0);
    const pid = statusOf(l, 'tough').pid!;
    const supervisor = l.supervisorPid()!;
    const t0 = Date.now();
    const r = l.run('shutdown', '-t', '500');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('s6rc: warning: timed out: killed tough\n');
    expect(Date.now() - t0).toBeLessThan(3000);
    await until(() => !isAlive(supervisor), 3000, 'the supervisor to exit');
    expect(isAlive(pid)).toBe(false);
  });

  it('SIGTERM to the supervisor always ends it, within its stop timeout', async () => {
    const l = startLive({
      tough: notifying({ run: "trap '' TERM; echo >&3; while :; do sleep 0.1; done" }),
      stuck: oneshot('/bin/sh -c "sleep 1000"'),
    });
    // A supervisor run by hand with a short stop timeout, in place of init's.
    expect(l.run('shutdown').code).toBe(0);
    const { daemon, log, ready } = foregroundDaemon(l, ['-t', '800']);
    try {
      await ready;
      expect(l.rc('change', 'tough').code).toBe(0);
      expect(l.rc('-t', '300', 'change', 'stuck').code).toBe(2);
      const pids = [statusOf(l, 'tough').pid!, ...groupMembers(statusOf(l, 'stuck').pid!)];
      const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
      const t0 = Date.now();
      daemon.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(4000);
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
      expect(log()).toMatch(/SIGTERM: bringing every service down \(at most 800 ms\)/);
    } finally {
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
  });

  it('a signal during a shutdown escalates: every service is killed with its group and the supervisor exits 1', async () => {
    const l = startLive({ tough: notifying({ run: "trap '' TERM; echo >&3; while :; do sleep 0.1; done" }) });
    expect(l.run('shutdown').code).toBe(0);
    const { daemon, log, ready } = foregroundDaemon(l);
    try {
      await ready;
      expect(l.rc('change', 'tough').code).toBe(0);
      const pids = groupMembers(statusOf(l, 'tough').pid!);
      const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
      daemon.kill('SIGTERM');
      // The first one waits for tough, which ignores it (default stop timeout: 30 s).
      await until(() => log().includes('bringing every service down'), 5000, 'the shutdown to start');
      daemon.kill('SIGTERM');
      expect(await exited).toBe(1);
      expect(log()).toMatch(/SIGTERM during the shutdown: killing every service and exiting/);
      for (const pid of pids) await until(() => !isAlive(pid), 3000, `pid ${pid} to die`);
    } finally {
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
  });
});
