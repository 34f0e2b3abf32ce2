/**
 * The event log's commit is one transaction: a writer killed inside it (the
 * supervisor's `events.commit` crash point, which the crash harness
 * test/reliability/crash.test.ts aims at) leaves nothing of the batch, and
 * the projections roll back with the events.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventLog, openEventStore } from '../../store/events/open.js';
import { tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('a commit interrupted halfway', () => {
  it('leaves nothing of its batch: events and projections roll back together (the events.commit crash point)', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    let armed = false;
    // The supervisor's hook SIGKILLs itself here; throwing stops the transaction at the same place.
    const store = openEventStore(path, { crashPoint: (name) => { if (armed && name === 'events.commit') throw new Error('killed'); }, report: () => {} });
    cleanups.push(() => store.close());
    store.startBoot('/live', '/compiled');
    store.append([{ type: 'run.spawned', service: 'a', from: 'down', to: 'starting', payload: { pid: 1 }, actorState: { state: 'starting', context: { pid: 1 } }, live: false }]);
    expect(store.flush()).toBe(true);
    const reader = openEventLog(path);
    cleanups.push(() => reader.close());
    const before = { last: reader.lastSeq(), state: reader.actorStates().get('a')?.state };
    armed = true;
    for (let i = 0; i < 4; i++) store.append([{ type: 'readiness.notified', service: `s${i}`, from: 'starting', to: 'ready', actorState: { state: 'ready', context: {} }, live: true }]);
    store.append([{ type: 'run.exited', service: 'a', from: 'starting', to: 'down', actorState: { state: 'down', context: { pid: null } } }]);
    expect(store.flush()).toBe(false);
    expect({ last: reader.lastSeq(), state: reader.actorStates().get('a')?.state, live: [...reader.liveSet()] }).toEqual({ ...before, live: [] });
    // The batch was kept; once the fault is gone it commits whole, in order.
    armed = false;
    expect(store.flush()).toBe(true);
    expect(reader.history().slice(-5).map((e) => [e.seq, e.type])).toEqual([1, 2, 3, 4, 5].map((i) => [before.last + i, i < 5 ? 'readiness.notified' : 'run.exited']));
    expect(reader.actorStates().get('a')?.state).toBe('down');
    expect([...reader.liveSet()].sort()).toEqual(['s0', 's1', 's2', 's3']);
  });
});
