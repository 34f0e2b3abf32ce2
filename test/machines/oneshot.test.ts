import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { oneshotInput, oneshotMachine } from '../../machines/oneshot.js';
import type { OneshotEvent } from '../../machines/service/events.js';
import { oneshotSpec } from '../fixtures/services.js';

function run(events: OneshotEvent[], hasDown = true) {
  const spec = oneshotSpec('o', hasDown ? { down: { kind: 'argv', argv: ['true'] } } : {});
  let [snapshot, actions] = initialTransition(oneshotMachine, oneshotInput(spec, 0));
  const trace: Array<{ state: string; effects: string[] }> = [];
  for (const event of events) {
    [snapshot, actions] = transition(oneshotMachine, snapshot, event);
    trace.push({ state: snapshot.value as string, effects: actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.')) });
  }
  return { snapshot, trace };
}

describe('oneshot machine (pure)', () => {
  it('has exactly the SPEC §3 states', () => {
    expect(Object.keys(oneshotMachine.states).sort()).toEqual(['down', 'failed', 'ready', 'starting', 'stopping', 'up-unready']);
  });

  it('up runs up; exit 0 → ready; down runs down; exit 0 → down', () => {
    const { trace, snapshot } = run([
      { type: 'up', time: 1 },
      { type: 'script.spawned', time: 2, pid: 9, script: 'up' },
      { type: 'script.exited', time: 3, pid: 9, code: 0, signal: null },
      { type: 'down', time: 4 },
      { type: 'script.spawned', time: 5, pid: 10, script: 'down' },
      { type: 'script.exited', time: 6, pid: 10, code: 0, signal: null },
    ]);
    expect(trace.map((t) => t.state)).toEqual(['starting', 'starting', 'ready', 'stopping', 'stopping', 'down']);
    expect(trace[0].effects).toEqual(['runUp']);
    expect(trace[3].effects).toEqual(['runDown']);
    expect(snapshot.context).toMatchObject({ pid: null, updownSince: 6, readySince: null, wantedUp: false });
  });

  it('a late exit of a killed script does not complete a newer run', () => {
    const { snapshot } = run([
      { type: 'up', time: 1 },
      { type: 'script.spawned', time: 2, pid: 9, script: 'up' },
      { type: 'script.timeout', time: 3, timeout: 1 },
      { type: 'up', time: 4 },
      { type: 'script.spawned', time: 5, pid: 11, script: 'up' },
      { type: 'script.exited', time: 6, pid: 9, code: null, signal: 'SIGKILL' },
    ]);
    expect(snapshot.value).toBe('starting');
    expect(snapshot.context.pid).toBe(11);
  });

  it('a null down goes down at once', () => {
    const { trace } = run(
      [
        { type: 'up', time: 1 },
        { type: 'script.spawned', time: 2, pid: 9, script: 'up' },
        { type: 'script.exited', time: 3, pid: 9, code: 0, signal: null },
        { type: 'down', time: 4 },
      ],
      false,
    );
    expect(trace.at(-1)).toEqual({ state: 'down', effects: [] });
  });

  it('failures carry s6-rc wording', () => {
    const { snapshot } = run([
      { type: 'up', time: 1 },
      { type: 'script.spawned', time: 2, pid: 9, script: 'up' },
      { type: 'script.exited', time: 3, pid: 9, code: null, signal: 'SIGSEGV' },
    ]);
    expect(snapshot.value).toBe('failed');
    expect(snapshot.context.error).toBe('up: crashed with signal SIGSEGV');
  });
});
