/**
 * The restart policy in the pure longrun machine, on a fake clock (the event
 * times): restart always / on-failure / never, restart-backoff's delays,
 * restart-limit's permanent failure, health failures, sd_notify state.
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import { longrunInput, longrunMachine } from '../../machines/longrun.js';
import type { Longrun } from '../../machines/model.js';
import type { LongrunContext, LongrunEvent } from '../../machines/service/events.js';
import { longrunSpec, withFinish } from '../fixtures/services.js';

type Sim = { snapshot: AnyMachineSnapshot; effects: string[]; pid: number };

function start(overrides: Partial<Longrun> = {}, finish = false): Sim {
  const spec = longrunSpec('svc', overrides);
  const [snapshot] = initialTransition(longrunMachine, longrunInput(finish ? withFinish(spec) : spec, 0));
  return { snapshot, effects: [], pid: 100 };
}
function step(sim: Sim, event: LongrunEvent): Sim {
  const [snapshot, actions] = transition(longrunMachine, sim.snapshot, event);
  return { ...sim, snapshot, effects: actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.')) };
}
const ctx = (sim: Sim) => sim.snapshot.context as LongrunContext;
const state = (sim: Sim) => sim.snapshot.value as string;

/** Spawns run at `time` (after up or respawn.due). */
function spawn(sim: Sim, time: number): Sim {
  return step({ ...sim, pid: sim.pid + 1 }, { type: 'run.spawned', pid: sim.pid + 1, startTime: null, time });
}
function die(sim: Sim, time: number, code: number | null = 1, signal: string | null = null): Sim {
  return step(sim, { type: 'run.exited', pid: ctx(sim).pid, code, signal, time });
}

describe('restart policy (pure machine, fake clock)', () => {
  it('restart-backoff: the k-th consecutive restart waits min(MAX, MIN·2^(k−1)); k starts again after MAX ms ready', () => {
    let sim = spawn(step(start({ restartBackoff: { min: 100, max: 1000 } }), { type: 'up', time: 0 }), 0);
    const delays: number[] = [];
    let t = 0;
    for (let i = 0; i < 7; i++) {
      t += 10;
      sim = die(sim, t);
      expect(state(sim)).toBe('starting');
      expect(sim.effects).toContain('scheduleRespawn');
      delays.push(ctx(sim).respawnAt! - t);
      t = ctx(sim).respawnAt!;
      sim = spawn(step(sim, { type: 'respawn.due', time: t }), t);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    // Ready (no readiness source: at spawn) for MAX ms: the next death starts over at MIN.
    t += 1000;
    sim = die(sim, t);
    expect(ctx(sim).respawnAt! - t).toBe(100);
    expect(ctx(sim).restartCount).toBe(1);
  });

  it("without restart-backoff: s6's throttle, one second after the previous spawn", () => {
    let sim = spawn(step(start(), { type: 'up', time: 0 }), 5);
    sim = die(sim, 300);
    expect(ctx(sim).respawnAt).toBe(1005);
    sim = spawn(step(sim, { type: 'respawn.due', time: 1005 }), 1005);
    sim = die(sim, 4000);
    expect(ctx(sim).respawnAt).toBe(4000);
  });

  it('restart-limit: COUNT deaths within SECONDS fail it for good, and say why', () => {
    let sim = spawn(step(start({ restartLimit: { count: 3, seconds: 10 } }), { type: 'up', time: 0 }), 0);
    sim = spawn(step(die(sim, 1000), { type: 'respawn.due', time: 2000 }), 2000);
    sim = spawn(step(die(sim, 3000), { type: 'respawn.due', time: 4000 }), 4000);
    sim = die(sim, 5000);
    expect(state(sim)).toBe('failed');
    expect(ctx(sim)).toMatchObject({ wantedUp: false, error: 'restart limit reached: 3 deaths within 10 s', deaths: 3 });
    // `up` again starts a fresh window.
    sim = spawn(step(sim, { type: 'up', time: 6000 }), 6000);
    expect(state(sim)).toBe('ready');
    expect(ctx(sim)).toMatchObject({ error: null, recentDeaths: [], restartCount: 0 });
  });

  it('restart-limit: deaths spread wider than the window keep restarting', () => {
    let sim = spawn(step(start({ restartLimit: { count: 2, seconds: 1 } }), { type: 'up', time: 0 }), 0);
    for (let t = 2000; t < 20000; t += 2000) {
      sim = die(sim, t);
      expect(state(sim)).toBe('starting');
      sim = spawn(step(sim, { type: 'respawn.due', time: t + 1000 }), t + 1000);
    }
  });

  it('restart-limit with finish: finish runs, then the service fails', () => {
    let sim = spawn(step(start({ restartLimit: { count: 1, seconds: 60 } }, true), { type: 'up', time: 0 }), 0);
    sim = die(sim, 100);
    expect(state(sim)).toBe('stopping');
    expect(sim.effects).toContain('runFinish');
    sim = step(sim, { type: 'finish.exited', code: 0, signal: null, time: 150 });
    expect(state(sim)).toBe('failed');
    expect(ctx(sim).error).toMatch(/restart limit reached/);
  });

  it('on-failure: a clean exit 0 stays down (finished); a failure or a signal restarts', () => {
    const up = () => spawn(step(start({ restart: 'on-failure' }), { type: 'up', time: 0 }), 0);
    const clean = die(up(), 100, 0);
    expect(state(clean)).toBe('down');
    expect(ctx(clean)).toMatchObject({ wantedUp: false, exitCode: 0, respawnAt: null });
    expect(state(die(up(), 100, 3))).toBe('starting');
    expect(state(die(up(), 100, null, 'SIGSEGV'))).toBe('starting');
  });

  it('never: any death stays down; always (the default) restarts even a clean exit', () => {
    const up = (o: Partial<Longrun>) => spawn(step(start(o), { type: 'up', time: 0 }), 0);
    expect(state(die(up({ restart: 'never' }), 100, 1))).toBe('down');
    expect(ctx(die(up({ restart: 'never' }), 100, 1)).wantedUp).toBe(false);
    expect(state(die(up({}), 100, 0))).toBe('starting');
  });

  it('a restart the user asked for (down, then up while stopping) is not a death for the policy', () => {
    let sim = spawn(step(start({ restart: 'never' }), { type: 'up', time: 0 }), 0);
    sim = step(sim, { type: 'down', time: 10 });
    sim = step(sim, { type: 'up', time: 20 });
    sim = die(sim, 30, null, 'SIGTERM');
    expect(state(sim)).toBe('starting');
  });

  it('health.failed while ready stops run still wanted up; the policy decides after its death', () => {
    const failing = (o: Partial<Longrun>) => {
      let sim = spawn(step(start(o), { type: 'up', time: 0 }), 0);
      sim = step(sim, { type: 'health.failed', check: 'watchdog', reason: 'watchdog: no WATCHDOG=1 for 500 ms', time: 600 });
      expect(state(sim)).toBe('stopping');
      expect(sim.effects).toEqual(['stopHealth', 'signalRun', 'startKillTimer']);
      expect(ctx(sim)).toMatchObject({ wantedUp: true, healthFailure: 'watchdog: no WATCHDOG=1 for 500 ms' });
      return die(sim, 650, 0);
    };
    // Even a clean exit after a health kill is a failure for on-failure.
    expect(state(failing({ restart: 'on-failure' }))).toBe('starting');
    expect(state(failing({}))).toBe('starting');
    expect(state(failing({ restart: 'never' }))).toBe('down');
    // The next spawn clears it.
    const again = spawn(step(failing({}), { type: 'respawn.due', time: 2000 }), 2000);
    expect(ctx(again).healthFailure).toBeNull();
  });

  it('health checks run exactly while ready', () => {
    let sim = step(start({ notificationFd: 3 }), { type: 'up', time: 0 });
    sim = spawn(sim, 1);
    expect(sim.effects).not.toContain('startHealth');
    sim = step(sim, { type: 'readiness.notified', via: 'notify', time: 2 });
    expect(sim.effects).toContain('startHealth');
    sim = step(sim, { type: 'down', time: 3 });
    expect(sim.effects[0]).toBe('stopHealth');
  });

  it('notify.state keeps STATUS=, the phase and MAINPID= in the context; a death clears the phase', () => {
    let sim = spawn(step(start({ notifySocket: true }), { type: 'up', time: 0 }), 0);
    sim = step(sim, { type: 'notify.state', status: 'loading 3/10', time: 1 });
    sim = step(sim, { type: 'notify.state', phase: 'reloading', mainPid: 4242, time: 2 });
    expect(ctx(sim)).toMatchObject({ notifyStatus: 'loading 3/10', notifyPhase: 'reloading', mainPid: 4242 });
    sim = step(sim, { type: 'notify.state', phase: 'running', time: 3 });
    expect(ctx(sim).notifyPhase).toBeNull();
    sim = step(sim, { type: 'notify.state', phase: 'stopping', time: 4 });
    sim = die(sim, 5, 0);
    expect(ctx(sim)).toMatchObject({ notifyPhase: null, mainPid: null, notifyStatus: 'loading 3/10' });
  });
});
