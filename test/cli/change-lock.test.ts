/** Locking, -b, -t expiry, interruption, diff and reconciliation against a real supervisor. */
import { afterEach, describe, expect, it } from 'vitest';
import { info, until, untilAsync } from '../helpers/supervisor.js';
import { cleanupAll, gate, notifying, oneshot, startLive, type Gate, type RcLive } from './changeHelpers.js';

afterEach(cleanupAll);

/** `slow` runs until the test releases `g` (default: a fresh gate). */
const services = (g: Gate = gate()) =>
  startLive({
    slow: oneshot(g.oneshot),
    fast: oneshot('/bin/true'),
    daemon: notifying(),
    lazy: notifying({ run: 'sleep 1; echo >&3; exec sleep 1000' }),
  });

/** How many `change` requests the supervisor has open (running or queued for the lock). */
const openChanges = async (l: RcLive) => ((await info(l)).openRequests as Record<string, number>).change ?? 0;

const scheduled = (l: RcLive, service: string) => l.events().some((e) => e.event === 'transition.scheduled' && e.service === service);

describe('one change at a time', () => {
  it('a second change exits 111 with a clear message; list, listall, diff and status do not block; -b waits its turn', async () => {
    const g = gate();
    const l = services(g);
    const first = l.rcAsync('change', 'slow');
    await until(() => scheduled(l, 'slow'), 10_000, 'slow scheduled');
    const refused = l.rc('change', 'fast');
    expect(refused.code).toBe(111);
    expect(refused.stderr).toMatch(/^s6rc: fatal: live directory .* is in use by a change \(s6rc -l .* change slow\) \(use -b to wait for it\)\n$/);
    // slow cannot finish before the gate opens, so answering at all proves these do not wait for the change.
    expect(l.rc('-a', 'list').code).toBe(0);
    expect(l.rc('listall', 'fast').stdout).toBe('fast\n');
    expect(l.rc('diff').code).toBe(0);
    expect(l.run('status', 'fast').code).toBe(0);
    expect(l.run('history').code).toBe(0);
    expect(l.up()).toEqual([]);
    const second = l.rcAsync('-b', 'change', 'fast');
    // The -b request is queued behind the running change, which cannot end until the gate opens.
    await untilAsync(async () => (await openChanges(l)) === 2, 20_000, 'the -b change queued');
    expect(second.child.exitCode).toBeNull();
    expect(scheduled(l, 'fast')).toBe(false);
    g.release();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(l.up()).toEqual(['fast', 'slow']);
    const ends = l.events().filter((e) => e.event === 'change.started' || e.event === 'change.ended').map((e) => `${e.event} ${e.change}`);
    expect(ends).toEqual(['change.started 1', 'change.ended 1', 'change.started 2', 'change.ended 2']);
  });

  it('the lock dies with its holder: a killed client releases it', async () => {
    const g = gate();
    const l = services(g);
    const first = l.rcAsync('change', 'slow');
    await until(() => scheduled(l, 'slow'), 10_000, 'slow scheduled');
    first.child.kill('SIGKILL');
    await first.done;
    await until(() => l.events().some((e) => e.event === 'change.cancelled'), 20_000, 'change.cancelled');
    const cancelled = l.events().find((e) => e.event === 'change.cancelled')!;
    expect(cancelled.payload.why).toBe('client went away');
    // The lock is free while slow is still in flight (its gate is closed).
    const next = l.rcAsync('change', 'fast');
    await until(() => l.events().filter((e) => e.event === 'change.started').length === 2, 20_000, 'second change started');
    expect(l.up()).not.toContain('slow');
    // The next change waits for the work left in flight before it reconciles and completes.
    g.release();
    expect((await next.done).code).toBe(0);
    // The slow transition in flight still finished and was recorded.
    await until(() => l.up().includes('slow'), 20_000, 'slow recorded up');
    expect(l.up()).toEqual(['fast', 'slow']);
  });
});

describe('-t timeout', () => {
  it('exits 2 at the deadline, starts nothing new, and records work in flight when it ends', async () => {
    // Neither slow nor lazy can finish before the gate opens: both are in flight at the deadline, whatever the load.
    const g = gate();
    const l = startLive({
      slow: oneshot(g.oneshot),
      after: oneshot('/bin/true', { dependencies: ['slow'] }),
      lazy: notifying({ run: `${g.wait}; echo >&3; exec sleep 1000` }),
      fast: oneshot('/bin/true'),
    });
    const t0 = Date.now();
    const r = l.rc('-t', '300', 'change', 'after', 'lazy');
    expect(r.code).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.stderr).toMatch(/^s6rc: warning: timed out after 300 ms; 2 transitions in flight will finish under the supervisor\n$/);
    expect(l.up()).toEqual([]);
    expect(scheduled(l, 'after')).toBe(false);
    // An unrelated change does not wait for the work in flight.
    expect(l.rc('-v2', 'change', 'fast')).toMatchObject({ code: 0, stderr: 's6rc: info: service fast: starting\ns6rc: info: service fast successfully started\n' });
    // A change that needs slow waits for its transition in flight (and only for it), bounded by its own -t...
    expect(l.rc('-t', '300', 'change', 'after').code).toBe(2);
    expect(scheduled(l, 'after')).toBe(false);
    // ...or until it ends.
    const bg = l.rcAsync('-v2', 'change', 'after');
    await until(() => l.events().filter((e) => e.event === 'change.started').length === 4, 20_000, 'the next change started');
    expect(scheduled(l, 'after')).toBe(false);
    g.release();
    const next = await bg.done;
    expect(next.code).toBe(0);
    expect(next.stderr).toBe(
      's6rc: info: service slow: starting\ns6rc: info: service slow successfully started\n' +
        's6rc: info: service after: starting\ns6rc: info: service after successfully started\n',
    );
    await until(() => l.up().includes('lazy'), 20_000, 'lazy recorded up');
    expect(l.up()).toEqual(['after', 'fast', 'lazy', 'slow']);
    const events = l.events();
    expect(events.find((e) => e.event === 'change.timeout')!.payload.inFlight).toBe(2);
    const firstEnd = events.find((e) => e.event === 'change.ended' && e.change === 1)!;
    expect(firstEnd.payload).toMatchObject({ exitCode: 2, done: 2, failed: 0 });
    // Nothing to reconcile: the outcome of the work in flight was recorded and counted.
    expect(events.some((e) => e.event === 'reconcile.corrected')).toBe(false);
    expect(l.run('reconcile').stdout).toBe('');
    expect(l.rc('diff').code).toBe(0);
  });

  it('a change waiting for the lock also times out', async () => {
    const g = gate();
    const l = services(g);
    const first = l.rcAsync('change', 'slow');
    await until(() => scheduled(l, 'slow'), 10_000, 'slow scheduled');
    const t0 = Date.now();
    // The lock cannot be released before the gate opens, so returning at all proves the timeout fired.
    const r = l.rc('-b', '-t', '300', 'change', 'fast');
    expect(r.code).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.stderr).toMatch(/^s6rc: fatal: timed out after 300 ms waiting for the lock: live directory .* is in use by a change \(s6rc -l .* change slow\)\n$/);
    expect(first.child.exitCode).toBeNull();
    g.release();
    expect((await first.done).code).toBe(0);
    expect(l.up()).toEqual(['slow']);
  });
});

describe('work left in flight that never finishes by itself', () => {
  it('ends when someone else stops the service, so the next change does not wait forever', async () => {
    const l = startLive({ hung: { type: 'longrun', run: 'exec sleep 1000', notificationFd: 3 }, fast: oneshot('/bin/true') });
    expect(l.rc('-t', '300', 'change', 'hung').code).toBe(2);
    expect(l.run('svc', '-d', '-wD', 'hung').code).toBe(0);
    await until(() => l.events().some((e) => e.event === 'change.ended'), 20_000, 'change.ended');
    const failed = l.events().find((e) => e.event === 'transition.failed')!;
    expect(failed).toMatchObject({ service: 'hung', payload: { kind: 'up', reason: 'stopped before it was ready' } });
    expect(l.events().find((e) => e.event === 'change.ended')!.payload).toMatchObject({ exitCode: 2, done: 0, failed: 1 });
    expect(l.rc('change', 'fast').code).toBe(0);
    expect(l.up()).toEqual(['fast']);
  });
});

describe('interruption', () => {
  it('SIGINT or SIGTERM to the client stops scheduling, is logged with why, and the client exits 1', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const g = gate();
      const l = startLive({
        slow: oneshot(g.oneshot),
        after: oneshot('/bin/true', { dependencies: ['slow'] }),
      });
      const bg = l.rcAsync('change', 'after');
      await until(() => scheduled(l, 'slow'), 10_000, 'slow scheduled');
      bg.child.kill(signal);
      const r = await bg.done;
      expect(r.code).toBe(1);
      // slow was still in flight when the client went (its gate was closed); let it finish now.
      g.release();
      await until(() => l.events().some((e) => e.event === 'change.ended'), 20_000, 'change.ended');
      const events = l.events();
      expect(events.find((e) => e.event === 'change.cancelled')!.payload.why).toBe(`client received ${signal}`);
      expect(events.find((e) => e.event === 'change.ended')!.payload).toMatchObject({ exitCode: 1, done: 1 });
      expect(scheduled(l, 'after')).toBe(false);
      expect(l.up()).toEqual(['slow']);
      cleanupAll();
    }
  });
});

describe('diff and reconcile', () => {
  it('diff prints +name/-name where the supervisor disagrees and exits 1; reconcile corrects and says so; change reconciles first', async () => {
    const l = services();
    expect(l.rc('change', 'daemon').code).toBe(0);
    expect(l.rc('diff').code).toBe(0);
    // Behind s6rc's back: daemon stopped, lazy started.
    expect(l.run('svc', '-d', '-wD', 'daemon').code).toBe(0);
    expect(l.run('svc', '-u', '-wU', 'lazy').code).toBe(0);
    const d = l.rc('diff');
    expect(d.code).toBe(1);
    expect(d.stdout).toBe('-daemon\n+lazy\n');
    const r = l.run('reconcile');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('-daemon: recorded up, now down (down)\n+lazy: recorded down, now up (ready)\n');
    expect(l.rc('diff').code).toBe(0);
    expect(l.up()).toEqual(['lazy']);
    expect(l.events().filter((e) => e.event === 'reconcile.corrected').map((e) => e.service)).toEqual(['daemon', 'lazy']);
    // A change reconciles first, logged under its id.
    expect(l.run('svc', '-d', '-wD', 'lazy').code).toBe(0);
    expect(l.rc('change', 'fast').code).toBe(0);
    const corrected = l.events().filter((e) => e.event === 'reconcile.corrected').at(-1)!;
    expect(corrected.service).toBe('lazy');
    expect(corrected.change).not.toBeNull();
    expect(l.up()).toEqual(['fast']);
  });

  it('a longrun that failed permanently is no longer counted as up', async () => {
    const l = startLive({
      dies: { type: 'longrun', run: 'echo >&3; sleep 0.3; exit 1', notificationFd: 3, finish: 'exit 125' },
    });
    expect(l.rc('change', 'dies').code).toBe(0);
    await until(() => l.run('status', '-o', 'up', 'dies').stdout === 'false\n' && l.rc('diff').code === 1, 20_000, 'dies failed');
    expect(l.rc('diff').stdout).toBe('-dies\n');
    expect(l.rc('-v3', 'change', 'dies').stderr).toMatch(/reconciled: service dies is down \(failed\), not up/);
  });
});
