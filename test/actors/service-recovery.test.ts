import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor, readProcessStartTime } from '../../actors/service/createServiceActor.js';
import type { ServiceEventRecord, ServiceState } from '../../actors/service/types.js';
import type { Longrun } from '../../machines/model.js';
import type { PersistedService } from '../../machines/service/events.js';
import { dataFile, Harness, isAlive, longrunSpec, materialise, readData, waitUntil } from '../fixtures/services.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

/** What the supervisor persists in actor_state: the state and context after the last event. */
function persisted(records: ServiceEventRecord[]): PersistedService {
  const last = records.at(-1)!;
  return JSON.parse(JSON.stringify({ state: last.to, context: last.context }));
}

/**
 * Brings `spec` to `state` under a first actor, then "crashes" it: the actor
 * is gone, the process is not. Returns what a new supervisor would find.
 */
async function crashAt(spec: Longrun, state: ServiceState, prepare?: (dir: string) => void) {
  const dir = materialise(h.root, spec);
  prepare?.(dir);
  const first = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
  first.up();
  await h.waitState(first, state);
  const pid = first.status().pid!;
  await waitUntil(() => readData(dir, 'spawns').includes(String(pid)), 'the run to start');
  const snapshot = persisted(h.records);
  first.dispose();
  return { dir, pid, snapshot, adopt: { pid, startTime: readProcessStartTime(pid)! } };
}

describe('longrun recovery after a supervisor crash', () => {
  it('readProcessStartTime reads field 22 of /proc/<pid>/stat', () => {
    expect(readProcessStartTime(process.pid)).toMatch(/^\d+$/);
    expect(readProcessStartTime(2 ** 22 + 12345)).toBeNull();
  });

  it('adopts a run that is still alive with the same start time, keeps readiness, and restarts it when it dies', async () => {
    const spec = longrunSpec('adoptee', { notificationFd: 3 });
    const { dir, pid, snapshot, adopt } = await crashAt(spec, 'ready', (d) => dataFile(d, 'ready'));

    const before = h.records.length;
    const second = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot, adopt } }));
    expect(second.status()).toMatchObject({ state: 'ready', pid, wantedUp: true });
    expect(second.status().readySince).toBe(snapshot.context.readySince);
    expect(h.records.slice(before).map((r) => r.type)).toEqual(['run.adopted']);

    process.kill(pid, 'SIGKILL');
    await h.waitState(second, 'ready', 8000, () => second.status().pid !== null && second.status().pid !== pid);
    expect(isAlive(pid)).toBe(false);
    expect(h.records.slice(before).map((r) => r.type)).toEqual(expect.arrayContaining(['run.exited', 'respawn.due', 'run.spawned']));
  });

  it('adopted runs can be stopped', async () => {
    const spec = longrunSpec('stopme');
    const dir = materialise(h.root, spec);
    const first = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    first.up();
    await h.waitState(first, 'ready');
    const pid = first.status().pid!;
    const snapshot = persisted(h.records);
    first.dispose();
    const second = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot } }));
    expect(second.status()).toMatchObject({ state: 'ready', pid });
    second.down();
    await h.waitState(second, 'down', 20_000);
    expect(isAlive(pid)).toBe(false);
  });

  it('restarts a wanted-up service whose run died meanwhile; a pid reused by another process is not adopted', async () => {
    const spec = longrunSpec('phoenix');
    const dir = materialise(h.root, spec);
    const first = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    first.up();
    await h.waitState(first, 'ready');
    const pid = first.status().pid!;
    await waitUntil(() => readData(dir, 'spawns').includes(String(pid)), 'the first run to start');
    const snapshot = persisted(h.records);
    first.dispose();
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 'old run to die');

    const before = h.records.length;
    const second = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot } }));
    expect(h.records[before]).toMatchObject({ type: 'run.lost', from: 'ready', to: 'starting', payload: { pid } });
    await h.waitState(second, 'ready');
    expect(second.status().pid).not.toBe(pid);
    await waitUntil(() => readData(dir, 'spawns').trim().split('\n').length === 2, 'the second spawn');

    // Same pid, different start time (pid reuse): not adopted.
    const snapshot2 = persisted(h.records);
    const livePid = second.status().pid!;
    second.dispose();
    const third = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot: snapshot2, adopt: { pid: livePid, startTime: '1' } } }));
    expect(h.records.at(-1)!.type).toBe('run.lost');
    await h.waitState(third, 'ready', 8000, () => third.status().pid !== livePid);
    process.kill(livePid, 'SIGKILL');
  });

  it('an adopted run that was not ready yet on its notification fd is restarted: the pipe died with the old supervisor', async () => {
    const spec = longrunSpec('unready', { notificationFd: 3 });
    const { dir, pid, snapshot, adopt } = await crashAt(spec, 'up-unready');

    const before = h.records.length;
    const second = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot, adopt } }));
    const recovery = h.records.slice(before);
    expect(recovery.map((r) => `${r.type}:${r.payload.signal ?? ''}`)).toEqual(['run.adopted:', 'control.signal:SIGTERM', 'control.signal:SIGCONT']);
    expect(recovery[1].payload.reason).toMatch(/notification pipe lost/);
    await waitUntil(() => !isAlive(pid), 'the adopted run to be stopped');
    dataFile(dir, 'ready');
    await h.waitState(second, 'ready', 20_000);
    expect(second.status().pid).not.toBe(pid);
  });

  it('after recovery, timeout-up runs again for a service still waiting for readiness', async () => {
    const check = { initialSleep: 0, globalTimeout: 0, localTimeout: 0, waitingTime: 50, tries: 0, checkProgram: ['false'] };
    const spec = longrunSpec('slow', { notifyOnCheck: check });
    const { dir, snapshot, adopt } = await crashAt(spec, 'up-unready');

    const withTimeout = { ...spec, timeoutUp: 300 };
    const second = h.track(createServiceActor({ spec: withTimeout, serviceDir: dir, sink: h.sink, restore: { snapshot, adopt } }));
    expect(second.status().state).toBe('up-unready');
    await h.waitState(second, 'failed', 20_000);
    expect(h.records.at(-1)).toMatchObject({ type: 'readiness.timeout' });
  });

  it('a service that was down stays down, and a dead run that was not wanted up is not restarted', async () => {
    const spec = longrunSpec('quiet');
    const dir = materialise(h.root, spec);
    const down = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink, restore: { snapshot: { state: 'down', context: { ...downContext('quiet') } } } }));
    expect(down.status().state).toBe('down');
    expect(h.records).toHaveLength(0);
    const once = h.track(
      createServiceActor({
        spec,
        serviceDir: dir,
        sink: h.sink,
        restore: { snapshot: { state: 'ready', context: { ...downContext('quiet'), pid: 2 ** 22 + 999, wantedUp: false } } },
      }),
    );
    expect(once.status()).toMatchObject({ state: 'down', pid: null });
  });
});

function downContext(name: string) {
  return {
    name, wantedUp: false, pid: null, startTime: null, spawnedAt: null, exitCode: null, signal: null, paused: false,
    updownSince: 0, readySince: null, deathTally: 0, maxDeathTally: 100, error: null, notifies: false, hasFinish: false,
    finishing: false, spawning: false,
  };
}
