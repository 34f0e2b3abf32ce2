import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { longrunInput, longrunMachine } from '../../machines/longrun.js';
import type { LongrunEvent } from '../../machines/service/events.js';
import { longrunSpec, withFinish } from '../fixtures/services.js';

const input = (notifies = false, finish = false) =>
  longrunInput(finish ? withFinish(longrunSpec('svc', notifies ? { notificationFd: 3 } : {})) : longrunSpec('svc', notifies ? { notificationFd: 3 } : {}), 1000);

function run(events: LongrunEvent[], notifies = false, finish = false) {
  let [snapshot, actions] = initialTransition(longrunMachine, input(notifies, finish));
  const trace: Array<{ state: string; effects: string[] }> = [];
  for (const event of events) {
    [snapshot, actions] = transition(longrunMachine, snapshot, event);
    trace.push({ state: snapshot.value as string, effects: actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.')) });
  }
  return { snapshot, trace };
}

describe('longrun machine (pure)', () => {
  it('has exactly the SPEC §3 states', () => {
    expect(Object.keys(longrunMachine.states).sort()).toEqual(['down', 'failed', 'ready', 'starting', 'stopping', 'up-unready']);
  });

  it('input comes from the compiled spec', () => {
    expect(input(true, true)).toEqual({ name: 'svc', notifies: true, hasFinish: true, maxDeathTally: 100, restart: 'always', restartBackoff: null, restartLimit: null, since: 1000 });
    expect(longrunInput(longrunSpec('s', { notifySocket: true }), 0).notifies).toBe(true);
    expect(longrunInput(longrunSpec('p', { readinessProbe: { kind: 'exec', target: '', initialSleep: 0, globalTimeout: 0, localTimeout: 0, waitingTime: 1, tries: 1, checkProgram: ['x'], failureThreshold: 1 } }), 0).notifies).toBe(true);
    expect(longrunInput(longrunSpec('c', { notifyOnCheck: { initialSleep: 1, globalTimeout: 0, localTimeout: 0, waitingTime: 1, tries: 1, checkProgram: ['x'] } }), 0).notifies).toBe(true);
  });

  it('up → spawn → readiness → ready, with times and pids from the events', () => {
    const { snapshot, trace } = run(
      [
        { type: 'up', time: 2000 },
        { type: 'run.spawned', time: 2001, pid: 42, startTime: '77' },
        { type: 'readiness.notified', time: 2500, via: 'fd' },
      ],
      true,
    );
    expect(trace.map((t) => t.state)).toEqual(['starting', 'up-unready', 'ready']);
    expect(trace[0].effects).toEqual(['startUpTimer', 'spawnRun']);
    expect(trace[2].effects).toEqual(['stopReadiness', 'cancelUpTimer', 'startHealth']);
    expect(snapshot.context).toMatchObject({ pid: 42, startTime: '77', wantedUp: true, updownSince: 2001, readySince: 2500, spawnedAt: 2001 });
  });

  it('a death while wanted up runs finish, then schedules the respawn; 125 fails permanently', () => {
    const base: LongrunEvent[] = [
      { type: 'up', time: 1 },
      { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
      { type: 'run.exited', time: 3, pid: 5, code: 2, signal: null },
    ];
    const ok = run([...base, { type: 'finish.exited', time: 4, code: 0, signal: null }, { type: 'respawn.due', time: 1002 }], false, true);
    expect(ok.trace.map((t) => t.state)).toEqual(['starting', 'ready', 'starting', 'starting', 'starting']);
    expect(ok.trace[2].effects).toEqual(['stopHealth', 'runFinish']);
    expect(ok.trace[3].effects).toEqual(['scheduleRespawn']);
    expect(ok.trace[4].effects).toEqual(['spawnRun']);
    expect(ok.snapshot.context).toMatchObject({ exitCode: 2, deathTally: 1, finishing: false, spawning: true, pid: null });

    const perm = run([...base, { type: 'finish.exited', time: 4, code: 125, signal: null }], false, true);
    expect(perm.snapshot.value).toBe('failed');
    expect(perm.snapshot.context).toMatchObject({ wantedUp: false, error: 'permanent failure: finish exited 125' });
  });

  it('down signals, escalates on kill.timeout, and ends down after the exit', () => {
    const { trace, snapshot } = run([
      { type: 'up', time: 1 },
      { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
      { type: 'down', time: 3 },
      { type: 'kill.timeout', time: 4, timeout: 1 },
      { type: 'run.exited', time: 5, pid: 5, code: null, signal: 'SIGKILL' },
    ]);
    expect(trace.map((t) => t.state)).toEqual(['starting', 'ready', 'stopping', 'stopping', 'down']);
    expect(trace[2].effects).toEqual(['stopHealth', 'signalRun', 'startKillTimer']);
    expect(trace[3].effects).toEqual(['killRun']);
    expect(snapshot.context).toMatchObject({ wantedUp: false, signal: 'SIGKILL', updownSince: 5 });
  });

  it('readiness timeout fails with run still alive; down then stops it', () => {
    const { trace, snapshot } = run(
      [
        { type: 'up', time: 1 },
        { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
        { type: 'readiness.timeout', time: 100, timeout: 99 },
        { type: 'down', time: 101 },
      ],
      true,
    );
    expect(trace.map((t) => t.state)).toEqual(['starting', 'up-unready', 'failed', 'stopping']);
    expect(snapshot.context.error).toBe('readiness timeout after 99 ms');
  });

  it('spawn failure fails; down from failed with nothing running is down at once', () => {
    const { trace } = run([
      { type: 'up', time: 1 },
      { type: 'run.spawnFailed', time: 2, error: 'unable to spawn run: no such file (ENOENT)' },
      { type: 'down', time: 3 },
    ]);
    expect(trace.map((t) => t.state)).toEqual(['starting', 'failed', 'down']);
  });

  it('recovery events: adopted keeps the state, lost respawns or goes down', () => {
    const ready = run([
      { type: 'up', time: 1 },
      { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
      { type: 'run.adopted', time: 3, pid: 5, startTime: '1' },
    ]);
    expect(ready.snapshot.value).toBe('ready');
    const lost = run([
      { type: 'up', time: 1 },
      { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
      { type: 'run.lost', time: 3, pid: 5 },
    ]);
    expect(lost.snapshot.value).toBe('starting');
    expect(lost.trace[2].effects).toEqual(['stopHealth', 'scheduleRespawn']);
  });

  it('is deterministic: the same events give the same snapshot', () => {
    const events: LongrunEvent[] = [
      { type: 'up', time: 1 },
      { type: 'run.spawned', time: 2, pid: 5, startTime: '1' },
      { type: 'control.signal', time: 3, signal: 'SIGSTOP' },
    ];
    expect(run(events).snapshot.context).toEqual(run(events).snapshot.context);
    expect(run(events).snapshot.context.paused).toBe(true);
  });
});

describe('service snapshots (machines/service/snapshots.ts)', () => {
  it('stepping from the initial snapshot or from a persisted checkpoint gives the same result', async () => {
    const { initialServiceSnapshot, longrunStep, persistServiceSnapshot, restoreServiceSnapshot } = await import('../../machines/service/snapshots.js');
    const spec = longrunSpec('svc', { notificationFd: 3 });
    const events = [
      { type: 'up', time: 10 },
      { type: 'run.spawned', time: 11, pid: 3, startTime: '9' },
      { type: 'readiness.notified', time: 12, via: 'fd' },
      { type: 'run.exited', time: 13, pid: 3, code: 1, signal: null },
    ] as const;
    let snap = initialServiceSnapshot(spec, 0);
    let checkpoint = persistServiceSnapshot(snap);
    events.forEach((e, i) => {
      snap = longrunStep(snap, e).snapshot;
      if (i === 1) checkpoint = JSON.parse(JSON.stringify(persistServiceSnapshot(snap)));
    });
    let resumed = restoreServiceSnapshot('longrun', checkpoint);
    for (const e of events.slice(2)) resumed = longrunStep(resumed, e).snapshot;
    expect(resumed.value).toBe('starting');
    expect(resumed.context).toEqual(snap.context);
    expect(snap.context).toMatchObject({ exitCode: 1, deathTally: 1, readySince: null });
  });
});
