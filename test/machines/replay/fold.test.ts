import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { longrunInput, longrunMachine } from '../../../machines/longrun.js';
import { oneshotMachine } from '../../../machines/oneshot.js';
import { longrunStep } from '../../../machines/service/snapshots.js';
import { createFolder } from '../../../machines/replay/fold.js';
import { webstackModel } from '../../cli/fixtures/model.js';
import type { Longrun } from '../../../machines/model.js';

const model = webstackModel();
const db = model.services.get('db') as Longrun;

/** A longrun's life: up, spawn, readiness, crash and respawn, down. */
const life = [
  { type: 'up', time: 10, changeId: 1 },
  { type: 'run.spawned', time: 11, pid: 100, startTime: '5' },
  { type: 'readiness.notified', time: 12, via: 'fd' },
  { type: 'run.exited', time: 13, pid: 100, code: 1, signal: null },
  { type: 'respawn.due', time: 1013 },
  { type: 'run.spawned', time: 1014, pid: 101, startTime: '6' },
  { type: 'readiness.notified', time: 1015, via: 'fd' },
  { type: 'down', time: 2000, changeId: 2 },
  { type: 'run.exited', time: 2001, pid: 101, code: null, signal: 'SIGTERM' },
];

describe('replay fold', () => {
  it("the step gives exactly xstate's transition(): the same snapshots and, as effects, the same actions", () => {
    const [init] = initialTransition(longrunMachine, longrunInput(db, 1));
    let a = init as AnyMachineSnapshot;
    let b = init as AnyMachineSnapshot;
    const seen: string[] = [];
    for (const e of life) {
      const stepped = longrunStep(a, e as never);
      a = stepped.snapshot;
      const [next, actions] = transition(longrunMachine, b as never, e as never);
      b = next as AnyMachineSnapshot;
      expect(a.value).toEqual(b.value);
      expect(a.context).toEqual(b.context);
      // xstate lists every executed action; assigns are not effects.
      expect(stepped.effects.map((f) => f.type)).toEqual(actions.map((x) => x.type).filter((t) => !t.startsWith('xstate.')));
      seen.push(a.value as string);
    }
    expect(seen).toEqual(['starting', 'up-unready', 'ready', 'starting', 'starting', 'up-unready', 'ready', 'stopping', 'down']);
    expect(a.context).toMatchObject({ exitCode: null, signal: 'SIGTERM', deathTally: 2, updownSince: 2001 });
  });

  it('past a log.dropped gap, takes the state it records for the actors and live entries the dropped events changed', () => {
    const boots = new Map([[1, 5]]);
    // The whole life, folded: what the supervisor's actor went through.
    const whole = createFolder(model, boots);
    life.forEach((e, i) => whole.apply({ seq: i + 1, time: e.time, boot: 1, service: 'db', type: e.type, payload: e }));
    // The same life with events 4-6 dropped (crash, respawn, spawn), recorded with db's state after them.
    const gap = createFolder(model, boots);
    const afterSix = createFolder(model, boots);
    life.slice(0, 6).forEach((e, i) => afterSix.apply({ seq: i + 1, time: e.time, boot: 1, service: 'db', type: e.type, payload: e }));
    const recorded = afterSix.state().services.db;
    life.slice(0, 3).forEach((e, i) => gap.apply({ seq: i + 1, time: e.time, boot: 1, service: 'db', type: e.type, payload: e }));
    gap.apply({
      seq: 10,
      time: 1014,
      boot: 1,
      service: null,
      type: 'log.dropped',
      payload: { count: 3, firstSeq: 4, lastSeq: 6, firstTime: 13, lastTime: 1014, actors: { db: { state: recorded.value, context: recorded.context } }, live: { db: true, gone: false } },
    });
    expect(gap.state().services.db).toEqual(recorded);
    expect(gap.state().live).toEqual(['db']);
    life.slice(6).forEach((e, i) => gap.apply({ seq: 11 + i, time: e.time, boot: 1, service: 'db', type: e.type, payload: e }));
    expect(gap.state().services.db).toEqual(whole.state().services.db);
  });

  it('resets every actor at a new boot and keeps live edges', () => {
    const boots = new Map([[1, 5], [2, 5000]]);
    const f = createFolder(model, boots);
    let seq = 0;
    for (const e of life.slice(0, 3)) f.apply({ seq: ++seq, time: e.time, boot: 1, service: 'db', type: e.type, payload: e });
    f.apply({ seq: ++seq, time: 13, boot: 1, service: 'db', type: 'live.up', payload: {} });
    f.apply({ seq: ++seq, time: 14, boot: 1, service: 'db', type: 'transition.succeeded', payload: {} });
    expect(f.state()).toMatchObject({ boot: 1, services: { db: { value: 'ready' } }, live: ['db'] });
    expect(f.applied).toBe(3);
    // The supervisor of boot 2 starts from scratch: it logs live.down for what boot 1 left up.
    f.apply({ seq: ++seq, time: 5001, boot: 2, service: 'db', type: 'live.down', payload: {} });
    f.apply({ seq: ++seq, time: 5002, boot: 2, service: 'migrate', type: 'up', payload: { time: 5002 } });
    const s = f.state();
    expect(s).toMatchObject({ boot: 2, bootStart: 5000, live: [] });
    expect(Object.keys(s.services)).toEqual(['migrate']);
    expect(s.services.migrate.value).toBe('starting');
    // A checkpoint restores the same fold.
    const g = createFolder(model, boots, JSON.parse(JSON.stringify(s)));
    g.apply({ seq: ++seq, time: 5003, boot: 2, service: 'migrate', type: 'script.spawned', payload: { time: 5003, pid: 7, script: 'up' } });
    f.apply({ seq, time: 5003, boot: 2, service: 'migrate', type: 'script.spawned', payload: { time: 5003, pid: 7, script: 'up' } });
    expect(g.state()).toEqual(f.state());
    expect(oneshotMachine.id).toBe('oneshot');
  });
});
