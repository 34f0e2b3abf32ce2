import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor } from '../../actors/service/createServiceActor.js';
import type { ServiceHandle } from '../../actors/service/types.js';
import type { Longrun } from '../../store/compiled/model.js';
import { dataFile, Harness, isAlive, longrunSpec, materialise, readData, removeDataFile, waitUntil, withFinish } from '../fixtures/services.js';

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
});
