/**
 * The oneshot service machine (SPEC §3): `starting` while `up` runs, `ready`
 * after it exits 0, `stopping` while `down` runs, `failed` on a non-zero exit,
 * a spawn error or a timeout. `up-unready` exists only so both machines share
 * one state set; a oneshot never enters it.
 *
 * Pure: the actor (actors/service/oneshot.ts) runs the scripts and sends
 * `script.*` events (machines/service/events.ts). Exits are matched by pid so
 * the late exit of a killed script never completes a newer run.
 */
import { and, assign, not, setup } from 'xstate';
import type { Oneshot } from './model.js';
import type { OneshotContext, OneshotEvent, OneshotInput } from './service/events.js';
import { effectActions } from './service/step.js';

type Ev<T extends OneshotEvent['type']> = Extract<OneshotEvent, { type: T }>;

/** Builds the machine input from the compiled spec, as the actor and replay both do. */
export function oneshotInput(spec: Oneshot, since: number): OneshotInput {
  return { name: spec.name, hasDown: spec.down !== null, since };
}

/**
 * The effects: the machine only names them; the actor (actors/service/oneshot.ts)
 * implements every one (`OneshotEffect`). Each script run also arms its timeout;
 * killScript is SIGTERM to the script's process group, SIGKILL after a grace;
 * watchAdopted watches a script the previous supervisor started until it is gone.
 */
export const ONESHOT_EFFECTS = ['runUp', 'runDown', 'runReload', 'cancelScriptTimer', 'killScript', 'watchAdopted', 'sendSignal'] as const;
export type OneshotEffect = (typeof ONESHOT_EFFECTS)[number];

/** `command exited N` / `crashed with signal SIG`, the wording of s6-rc's warnings. */
function describeExit(code: number | null, signal: string | null): string {
  return signal ? `crashed with signal ${signal}` : `command exited ${code}`;
}

export const oneshotMachine = setup({
  types: {
    context: {} as OneshotContext,
    events: {} as OneshotEvent,
    input: {} as OneshotInput,
  },
  actions: {
    ...effectActions(ONESHOT_EFFECTS),
    // Context updates.
    setWantedUp: assign({ wantedUp: true }),
    setWantedDown: assign({ wantedUp: false }),
    clearError: assign({ error: null, outcomeUnknown: false }),
    recordScriptSpawn: assign(({ event }) => {
      const e = event as Ev<'script.spawned'>;
      return { pid: e.pid, startTime: e.startTime ?? null, script: e.script };
    }),
    recordAdopted: assign(({ event }) => {
      const e = event as Ev<'script.adopted'>;
      return { pid: e.pid, startTime: e.startTime };
    }),
    recordSpawnFailure: assign(({ event }) => {
      const e = event as Ev<'script.spawnFailed'>;
      return { pid: null, script: e.script, error: `${e.script}: ${e.error}`, updownSince: e.time };
    }),
    recordScriptExit: assign(({ event }) => {
      const e = event as Ev<'script.exited'>;
      return { pid: null, startTime: null, exitCode: e.code, signal: e.signal };
    }),
    recordScriptFailure: assign(({ context, event }) => {
      const e = event as Ev<'script.exited'>;
      return { updownSince: e.time, error: `${context.script}: ${describeExit(e.code, e.signal)}` };
    }),
    recordTimeout: assign(({ context, event }) => ({
      updownSince: event.time,
      error: `${context.script}: timed out after ${(event as Ev<'script.timeout'>).timeout} ms`,
    })),
    recordLost: assign(({ context, event }) => ({
      pid: null,
      startTime: null,
      outcomeUnknown: true,
      updownSince: event.time,
      error: `${context.script ?? 'script'}: outcome unknown: the supervisor died while it ran`,
    })),
    recordUp: assign(({ event }) => ({ updownSince: event.time, readySince: event.time })),
    recordReloadFailure: assign(({ event }) => {
      const e = event as Ev<'script.exited'>;
      return { error: `reload: ${describeExit(e.code, e.signal)}` };
    }),
    recordReloadSpawnFailure: assign(({ event }) => ({ pid: null, error: `reload: ${(event as Ev<'script.spawnFailed'>).error}` })),
    redefine: assign(({ event }) => {
      const { name, hasDown } = event as Ev<'definition.changed'>;
      return { name, hasDown };
    }),
    recordDown: assign(({ event }) => ({ updownSince: event.time, readySince: null, script: null })),
  },
  guards: {
    hasDown: ({ context }) => context.hasDown,
    wantedUp: ({ context }) => context.wantedUp,
    scriptRunning: ({ context }) => context.pid !== null,
    /** The exit is the current script's, not a killed predecessor's. */
    currentScript: ({ context, event }) => (event as Ev<'script.exited'>).pid === context.pid,
    succeeded: ({ event }) => (event as Ev<'script.exited'>).code === 0,
    downFailedLast: ({ context }) => context.script === 'down',
    /** The script running (or that ran last) is `up`: while stopping, a cancelled up. */
    upScript: ({ context }) => context.script === 'up',
  },
}).createMachine({
  id: 'oneshot',
  initial: 'down',
  // Whatever its state: a script that runs runs on; the new definition applies from the next one.
  on: { 'definition.changed': { actions: 'redefine' } },
  context: ({ input }) => ({
    name: input.name,
    wantedUp: false,
    pid: null,
    exitCode: null,
    signal: null,
    paused: false,
    updownSince: input.since,
    readySince: null,
    deathTally: 0,
    error: null,
    hasDown: input.hasDown,
    script: null,
    startTime: null,
    outcomeUnknown: false,
  }),
  states: {
    down: {
      on: {
        up: { target: 'starting', actions: ['setWantedUp', 'clearError', 'runUp'] },
        down: { actions: ['setWantedDown'] },
      },
    },
    starting: {
      on: {
        'script.spawned': [
          { guard: 'wantedUp', actions: ['recordScriptSpawn'] },
          // Asked down before the script could start: cancel it at once.
          { target: 'stopping', actions: ['recordScriptSpawn', 'cancelScriptTimer', 'killScript'] },
        ],
        'script.spawnFailed': [
          { guard: 'wantedUp', target: 'failed', actions: ['recordSpawnFailure', 'cancelScriptTimer'] },
          { target: 'down', actions: ['recordSpawnFailure', 'cancelScriptTimer', 'recordDown'] },
        ],
        'script.exited': [
          { guard: not('currentScript'), actions: [] },
          { guard: and(['succeeded', 'wantedUp']), target: 'ready', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordUp'] },
          // Asked down while up ran: undo it at once.
          { guard: and(['succeeded', 'hasDown']), target: 'stopping', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordUp', 'runDown'] },
          { guard: 'succeeded', target: 'down', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordDown'] },
          { target: 'failed', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordScriptFailure'] },
        ],
        'script.timeout': { target: 'failed', actions: ['recordTimeout', 'killScript'] },
        'script.adopted': { actions: ['recordAdopted', 'watchAdopted'] },
        'script.lost': { target: 'failed', actions: ['recordLost'] },
        'control.signal': { guard: 'scriptRunning', actions: ['sendSignal'] },
        up: { actions: ['setWantedUp'] },
        // A down request cancels the up in flight: kill it, then run `down` (stopping).
        down: [
          { guard: 'scriptRunning', target: 'stopping', actions: ['setWantedDown', 'cancelScriptTimer', 'killScript'] },
          { actions: ['setWantedDown'] },
        ],
      },
    },
    'up-unready': {},
    // Up. `reload` (s6-rc 0.7) runs the reload script here; whatever it does, the service stays up.
    ready: {
      on: {
        down: [
          { guard: 'hasDown', target: 'stopping', actions: ['setWantedDown', 'clearError', 'runDown'] },
          { target: 'down', actions: ['setWantedDown', 'clearError', 'recordDown'] },
        ],
        up: { actions: ['setWantedUp'] },
        reload: { guard: not('scriptRunning'), actions: ['clearError', 'runReload'] },
        'script.spawned': { actions: ['recordScriptSpawn'] },
        'script.spawnFailed': { actions: ['recordReloadSpawnFailure'] },
        'script.exited': [
          { guard: not('currentScript'), actions: [] },
          { guard: 'succeeded', actions: ['recordScriptExit'] },
          { actions: ['recordScriptExit', 'recordReloadFailure'] },
        ],
        'control.signal': { guard: 'scriptRunning', actions: ['sendSignal'] },
      },
    },
    // Running `down`, or killing a cancelled `up` (script 'up') before running `down`.
    stopping: {
      on: {
        'script.spawned': { actions: ['recordScriptSpawn'] },
        'script.spawnFailed': { target: 'failed', actions: ['recordSpawnFailure', 'cancelScriptTimer'] },
        'script.exited': [
          { guard: not('currentScript'), actions: [] },
          // The cancelled up is gone: undo whatever it did with `down`, if there is one.
          { guard: and(['upScript', 'hasDown']), actions: ['recordScriptExit', 'cancelScriptTimer', 'runDown'] },
          { guard: and(['upScript', 'wantedUp']), target: 'starting', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordDown', 'runUp'] },
          { guard: 'upScript', target: 'down', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordDown'] },
          // Asked up while down ran: bring it back up.
          { guard: and(['succeeded', 'wantedUp']), target: 'starting', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordDown', 'runUp'] },
          { guard: 'succeeded', target: 'down', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordDown'] },
          { target: 'failed', actions: ['recordScriptExit', 'cancelScriptTimer', 'recordScriptFailure'] },
        ],
        'script.timeout': { target: 'failed', actions: ['recordTimeout', 'killScript'] },
        'script.adopted': { actions: ['recordAdopted', 'watchAdopted'] },
        'script.lost': { target: 'failed', actions: ['recordLost'] },
        'control.signal': { guard: 'scriptRunning', actions: ['sendSignal'] },
        up: { actions: ['setWantedUp'] },
        down: { actions: ['setWantedDown'] },
      },
    },
    // A script failed. up retries `up`; down after a failed `up` has nothing to undo,
    // down after a failed `down` runs `down` again (the service is still up).
    failed: {
      on: {
        'script.exited': { guard: 'currentScript', actions: ['recordScriptExit'] },
        'script.lost': { actions: ['recordLost'] },
        'control.signal': { guard: 'scriptRunning', actions: ['sendSignal'] },
        up: { target: 'starting', actions: ['setWantedUp', 'clearError', 'runUp'] },
        down: [
          { guard: and(['downFailedLast', 'hasDown']), target: 'stopping', actions: ['setWantedDown', 'clearError', 'runDown'] },
          { target: 'down', actions: ['setWantedDown', 'recordDown'] },
        ],
      },
    },
  },
});
