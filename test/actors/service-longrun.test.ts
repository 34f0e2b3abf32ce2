import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor } from '../../actors/service/createServiceActor.js';
import type { ServiceHandle } from '../../actors/service/types.js';
import type { Longrun } from '../../machines/model.js';
import type { ServiceEventRecord } from '../../actors/service/types.js';
import { longrunStep, restoreServiceSnapshot } from '../../machines/service/snapshots.js';
import type { LongrunEvent } from '../../machines/service/events.js';
import { dataFile, Harness, isAlive, longrunSpec, materialise, readData, removeDataFile, waitUntil, withFinish } from '../fixtures/services.js';

/**
 * The effects the machine asked for with the last recorded event of `type`:
 * its step again, from the state the record before it left (what the actor performed).
 */
function effectsOf(records: ServiceEventRecord[], type: string): string[] {
  const i = records.map((r) => r.type).lastIndexOf(type as ServiceEventRecord['type']);
  const before = records[i - 1];
  const snapshot = restoreServiceSnapshot('longrun', { state: before.to, context: before.context as never });
  return longrunStep(snapshot, { type, ...records[i].payload } as LongrunEvent).effects.map((e) => e.type);
}

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

function start(spec: Longrun, prepare?: (dir: string) => void): { actor: ServiceHandle; dir: string } {
  const dir = materialise(h.root, spec);
  prepare?.(dir);
  const actor = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
  return { actor, dir };
}

describe('longrun actor', () => {
  it('without notification-fd, a spawned run counts as ready; down stops it', async () => {
    const { actor } = start(longrunSpec('plain'));
    actor.up(7);
    await h.waitState(actor, 'ready');
    const { pid } = actor.status();
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid!)).toBe(true);
    const spawned = h.records.find((r) => r.type === 'run.spawned')!;
    expect(spawned.changeId).toBe(7);
    expect(spawned.payload.startTime).toMatch(/^\d+$/);
    actor.down(8);
    await h.waitState(actor, 'down');
    expect(isAlive(pid!)).toBe(false);
    expect(actor.status()).toMatchObject({ wantedUp: false, pid: null, signal: 'SIGTERM', exitCode: null });
    expect(h.records.map((r) => `${r.type}:${r.from}>${r.to}`)).toEqual([
      'up:down>starting',
      'run.spawned:starting>ready',
      'down:ready>stopping',
      'run.exited:stopping>down',
    ]);
  });

  it('with notification-fd, waits for the first newline, ignoring text before it', async () => {
    const { actor, dir } = start(longrunSpec('notify', { notificationFd: 5 }));
    actor.up();
    await h.waitState(actor, 'up-unready');
    const { pid } = actor.status();
    expect(isAlive(pid!)).toBe(true);
    dataFile(dir, 'ready');
    await h.waitState(actor, 'ready');
    expect(actor.status().readySince).toBeGreaterThan(0);
    expect(h.records.at(-1)).toMatchObject({ type: 'readiness.notified', payload: { via: 'fd' } });
  });

  it('respawns a dying run at most once per second and passes exit code and signal to finish', async () => {
    const { actor, dir } = start(withFinish(longrunSpec('crashy')), (d) => dataFile(d, 'exit-code', '3'));
    actor.up();
    await waitUntil(() => readData(dir, 'spawns').trim().split('\n').length >= 3, 'three spawns');
    const spawns = h.records.filter((r) => r.type === 'run.spawned').map((r) => r.time);
    expect(spawns.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < spawns.length; i++) expect(spawns[i] - spawns[i - 1]).toBeGreaterThanOrEqual(990);
    expect(readData(dir, 'finish-log').split('\n')[0]).toBe('3 0');
    expect(actor.status().deathTally).toBeGreaterThanOrEqual(2);
    expect(actor.status().exitCode).toBe(3);
    // Stop the loop: the next run stays up.
    removeDataFile(dir, 'exit-code');
    // Wait for a run that stays up: one started just before the removal may still exit 3.
    let stable = false;
    while (!stable) {
      await h.waitState(actor, 'ready', 8000, () => actor.status().pid !== null && isAlive(actor.status().pid!));
      const candidate = actor.status().pid;
      await new Promise((r) => setTimeout(r, 200));
      stable = actor.status().pid === candidate && isAlive(candidate!);
    }
    const pid = actor.status().pid!;
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => readData(dir, 'finish-log').includes('256 9'), 'finish 256 9');
    await h.waitState(actor, 'ready', 8000, () => actor.status().pid !== pid);
    expect(actor.status().signal).toBe('SIGKILL');
  });

  it('finish exiting 125 is a permanent failure: failed, not restarted', async () => {
    const { actor, dir } = start(withFinish(longrunSpec('perm')), (d) => dataFile(d, 'finish-exit', '125'));
    actor.up();
    await h.waitState(actor, 'ready');
    const pid = actor.status().pid!;
    process.kill(pid, 'SIGTERM');
    await h.waitState(actor, 'failed');
    expect(actor.status()).toMatchObject({ wantedUp: false, pid: null, error: 'permanent failure: finish exited 125' });
    // Not restarted: the step that failed it scheduled no respawn (what the 1 s throttle would have fired).
    expect(effectsOf(h.records, 'finish.exited')).not.toContain('scheduleRespawn');
    expect(h.records.filter((r) => r.type === 'run.spawned')).toHaveLength(1);
    expect(readData(dir, 'spawns').trim().split('\n')).toHaveLength(1);
    actor.down();
    await h.waitState(actor, 'down');
  });

  it('down sends down-signal then SIGCONT, and SIGKILL after timeout-kill', async () => {
    const { actor, dir } = start(withFinish(longrunSpec('stubborn', { timeoutKill: 300 })), (d) => dataFile(d, 'ignore-term'));
    actor.up();
    await h.waitState(actor, 'ready');
    const pid = actor.status().pid!;
    await waitUntil(() => readData(dir, 'spawns').includes(String(pid)), 'run to ignore SIGTERM');
    actor.down();
    // No fixed sleep to check it is still alive mid-stop (under load that races timeout-kill):
    // killed by SIGKILL after kill.timeout proves SIGTERM was sent and ignored.
    await h.waitState(actor, 'down');
    expect(isAlive(pid)).toBe(false);
    expect(actor.status().signal).toBe('SIGKILL');
    expect(h.records.map((r) => r.type)).toContain('kill.timeout');
    expect(readData(dir, 'finish-log')).toBe('256 9\n');
  });

  it('a stopped run (SIGSTOP) still goes down: SIGCONT follows the down-signal', async () => {
    const { actor } = start(longrunSpec('paused'));
    actor.up();
    await h.waitState(actor, 'ready');
    actor.signal('SIGSTOP');
    expect(actor.status().paused).toBe(true);
    actor.down();
    await h.waitState(actor, 'down');
    expect(actor.status().signal).toBe('SIGTERM');
  });

  it('down-signal is configurable', async () => {
    const { actor } = start(longrunSpec('hup', { downSignal: 'SIGHUP' }));
    actor.up();
    await h.waitState(actor, 'ready');
    actor.down();
    await h.waitState(actor, 'down');
    expect(actor.status().signal).toBe('SIGHUP');
  });

  it('finish is killed after timeout-finish', async () => {
    const { actor, dir } = start(withFinish(longrunSpec('slowfinish', { timeoutFinish: 200 })), (d) => dataFile(d, 'finish-sleep', '30'));
    actor.up();
    await h.waitState(actor, 'ready');
    actor.down();
    await h.waitState(actor, 'down', 20_000);
    expect(h.records.map((r) => r.type)).toEqual(expect.arrayContaining(['finish.timeout', 'finish.exited']));
    expect(h.records.find((r) => r.type === 'finish.exited')!.payload.signal).toBe('SIGKILL');
    expect(readData(dir, 'finish-log')).toBe('256 15\n');
  });

  it('missing run: failed with the spawn error', async () => {
    const spec = longrunSpec('norun');
    const { actor } = start({ ...spec, files: [] });
    actor.up();
    await h.waitState(actor, 'failed');
    expect(actor.status().error).toMatch(/unable to spawn .*norun\/run: no such file/);
    actor.down();
    await h.waitState(actor, 'down');
  });

  it('non-executable run: failed with the spawn error', async () => {
    const spec = longrunSpec('noexec');
    const { actor } = start({ ...spec, files: [{ ...spec.files[0], mode: 0o644 }] });
    actor.up();
    await h.waitState(actor, 'failed');
    expect(actor.status().error).toMatch(/permission denied.*EACCES/);
  });

  it('a notification-fd that run never writes is a readiness timeout (timeout-up); down then stops run', async () => {
    const { actor } = start(longrunSpec('silent', { notificationFd: 3, timeoutUp: 300 }), (d) => dataFile(d, 'no-notify'));
    actor.up();
    await h.waitState(actor, 'up-unready');
    const pid = actor.status().pid!;
    await h.waitState(actor, 'failed', 20_000);
    expect(actor.status().error).toBe('readiness timeout after 300 ms');
    expect(isAlive(pid)).toBe(true);
    actor.down();
    await h.waitState(actor, 'down');
    expect(isAlive(pid)).toBe(false);
  });

  it('notifyoncheck polls data/check inside the supervisor', async () => {
    const spec = longrunSpec('checked', {
      notifyOnCheck: { initialSleep: 10, globalTimeout: 0, localTimeout: 0, waitingTime: 50, tries: 0, checkProgram: ['./data/check'] },
    });
    const { actor, dir } = start(spec, (d) => {
      const { copyFileSync } = require('node:fs') as typeof import('node:fs');
      copyFileSync(new URL('../fixtures/check.sh', import.meta.url), `${d}/data/check`);
    });
    actor.up();
    await h.waitState(actor, 'up-unready');
    await waitUntil(() => readData(dir, 'checks').split('\n').length > 3, 'three checks');
    expect(actor.status().state).toBe('up-unready');
    dataFile(dir, 'healthy');
    await h.waitState(actor, 'ready');
    expect(h.records.at(-1)).toMatchObject({ type: 'readiness.notified', payload: { via: 'check' } });
    // Polling stopped: readiness ran stopReadiness, which cancels the poller.
    expect(effectsOf(h.records, 'readiness.notified')).toContain('stopReadiness');
  });

  it('notifyoncheck gives up after its tries', async () => {
    const spec = longrunSpec('hopeless', {
      notifyOnCheck: { initialSleep: 0, globalTimeout: 0, localTimeout: 0, waitingTime: 20, tries: 3, checkProgram: ['false'] },
    });
    const { actor } = start(spec);
    actor.up();
    await waitUntil(() => h.records.some((r) => r.type === 'readiness.gaveUp'), 'gave up');
    expect(actor.status()).toMatchObject({ state: 'up-unready', error: 'data/check failed 3 times' });
  });

  it('once (s6-svc -o) starts run but does not restart it', async () => {
    const { actor, dir } = start(longrunSpec('once'));
    actor.once!();
    await h.waitState(actor, 'ready');
    expect(actor.status().wantedUp).toBe(false);
    process.kill(actor.status().pid!, 'SIGTERM');
    await h.waitState(actor, 'down');
    // Not restarted: its death took it down and scheduled no respawn.
    expect(effectsOf(h.records, 'run.exited')).not.toContain('scheduleRespawn');
    expect(h.records.filter((r) => r.type === 'run.spawned')).toHaveLength(1);
    expect(readData(dir, 'spawns').trim().split('\n')).toHaveLength(1);
  });

  it('deathTally is bounded by max-death-tally', async () => {
    const { actor, dir } = start(longrunSpec('tally', { maxDeathTally: 1 }), (d) => dataFile(d, 'exit-code', '1'));
    actor.up();
    await waitUntil(() => readData(dir, 'spawns').trim().split('\n').length >= 2, 'two spawns');
    await waitUntil(() => h.records.filter((r) => r.type === 'run.exited').length >= 2, 'two exits');
    expect(actor.status().deathTally).toBe(1);
    actor.down();
    await h.waitState(actor, 'down');
  });

  it('status$ replays the current status, then follows every event', async () => {
    const { actor } = start(longrunSpec('watched'));
    const seen: string[] = [];
    const sub = actor.status$.subscribe((s) => seen.push(s.state));
    actor.up();
    await h.waitState(actor, 'ready');
    sub.unsubscribe();
    expect(seen).toEqual(['down', 'starting', 'ready']);
  });

  it('a notification-fd below 3 (a hand-made spec; the compiler rejects it) fails instead of clobbering stdio', async () => {
    const { actor } = start(longrunSpec('badfd', { notificationFd: 1 }));
    actor.up();
    await h.waitState(actor, 'failed');
    expect(actor.status()).toMatchObject({ pid: null, error: 'invalid notification-fd 1: expected an integer of 3 or more' });
  });
});
