/**
 * A reader's snapshot: `replay --verify` folds the events and compares the
 * fold with the projections inside one read transaction. Found by the crash
 * harness (test/reliability/crash.test.ts, seed 778983222): with a longrun
 * that dies and restarts, the supervisor committed between the fold's reads
 * and the projection's, and verify reported "replay says starting, the
 * projection says ready" on a log that was right.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventLog, openEventStore } from '../../store/events/open.js';
import { tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('event log reader snapshot', () => {
  it('sees one commit throughout, while the writer commits more; the next read sees them', () => {
    const t = tempDir('s6rc-store-');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'events.db');
    const store = openEventStore(path);
    cleanups.push(() => store.close());
    store.startBoot('/live', '/compiled');
    store.append([{ type: 'run.spawned', service: 'a', from: 'down', to: 'starting', payload: { pid: 1 }, actorState: { state: 'starting', context: { pid: 1 } } }]);
    store.flush();
    const reader = openEventLog(path);
    cleanups.push(() => reader.close());

    const seen = reader.consistent(() => {
      const last = reader.lastSeq();
      const events = reader.history().length;
      store.append([{ type: 'readiness.notified', service: 'a', from: 'starting', to: 'ready', actorState: { state: 'ready', context: { pid: 1 } } }]);
      expect(store.flush()).toBe(true);
      return { last, events, lastAfter: reader.lastSeq(), eventsAfter: reader.history().length, state: reader.actorStates().get('a')?.state };
    });
    expect(seen).toEqual({ last: seen.last, events: seen.events, lastAfter: seen.last, eventsAfter: seen.events, state: 'starting' });
    expect(reader.lastSeq()).toBe(seen.last + 1);
    expect(reader.actorStates().get('a')?.state).toBe('ready');
  });
});
