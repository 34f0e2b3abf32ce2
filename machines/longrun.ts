/**
 * The longrun service machine: s6-supervise's behaviour as a pure XState
 * machine (SPEC §3). No invoke, no after, no clock: the actor
 * (actors/service/longrun.ts) supplies the effect actions with
 * `longrunMachine.provide({ actions })` and sends timer expiries, spawns and
 * exits as events carrying times, pids, codes and signals. The event
 * vocabulary is documented in machines/service/events.ts.
 *
 * Replay: `initialTransition(longrunMachine, longrunInput(spec, since))`, then
 * `transition(longrunMachine, snapshot, { type, ...payload })` for each logged
 * event reproduces state and context exactly (the effects are no-ops here).
 */
import { and, assign, setup } from 'xstate';
import type { Longrun } from './model.js';
import type { LongrunContext, LongrunEvent, LongrunInput } from './service/events.js';
import { effectActions } from './service/step.js';
import { deathOutcome, deathsInWindow, limitMessage, nextRespawn, type DeathOutcome } from './service/restart.js';

type Ev<T extends LongrunEvent['type']> = Extract<LongrunEvent, { type: T }>;

/** Builds the machine input from the compiled spec, as the actor and replay both do. */
export function longrunInput(spec: Longrun, since: number): LongrunInput {
  return {
    name: spec.name,
    notifies: spec.notificationFd !== null || spec.notifyOnCheck !== null || spec.notifySocket || spec.readinessProbe !== null,
    hasFinish: spec.files.some((f) => f.path === 'finish' && f.kind !== 'dir'),
    maxDeathTally: spec.maxDeathTally,
    restart: spec.restart,
    restartBackoff: spec.restartBackoff,
    restartLimit: spec.restartLimit,
    since,
  };
}

/** The decision at a `run.exited` (restart, stay down, restart limit), from the context before it. */
function outcomeOf(context: LongrunContext, event: LongrunEvent): DeathOutcome {
  if (event.type !== 'run.exited') return 'stay-down';
  return deathOutcome(context, { code: event.code, signal: event.signal, time: event.time }, context.restartRequested === true);
}

/** The context a death leaves, by its outcome: when the restart is due, or why run stays down. */
function afterDeath(context: LongrunContext, outcome: DeathOutcome, time: number): Partial<LongrunContext> {
  if (outcome === 'restart') return nextRespawn(context, time);
  if (outcome === 'limit') return { wantedUp: false, respawnAt: null, error: limitMessage(context), restartLimitReached: true };
  // `restart never` / `on-failure` after a clean exit: run finished, and is no longer wanted up.
  return { wantedUp: false, respawnAt: null };
}

/**
 * The effects: the machine only names them; the actor (actors/service/longrun.ts)
 * implements every one (`LongrunEffect`), performing them after each step.
 */
export const LONGRUN_EFFECTS = [
  'spawnRun',
  'signalRun',
  'killRun',
  'startKillTimer',
  'cancelKillTimer',
  'runFinish',
  'killFinish',
  'scheduleRespawn',
  'cancelRespawn',
  'startReadiness',
  'stopReadiness',
  'startUpTimer',
  'cancelUpTimer',
  'sendSignal',
  'startHealth',
  'stopHealth',
] as const;
export type LongrunEffect = (typeof LONGRUN_EFFECTS)[number];

export const longrunMachine = setup({
  types: {
    context: {} as LongrunContext,
    events: {} as LongrunEvent,
    input: {} as LongrunInput,
  },
  actions: {
    ...effectActions(LONGRUN_EFFECTS),
    // Context updates.
    setWantedUp: assign({ wantedUp: true }),
    setWantedDown: assign({ wantedUp: false, restartRequested: false }),
    clearError: assign({ error: null, restartLimitReached: false }),
    /** `up` while run is being stopped: its death is a restart the user asked for. */
    requestRestart: assign({ restartRequested: true }),
    recordSpawning: assign({ spawning: true }),
    recordSpawn: assign(({ event }) => {
      const e = event as Ev<'run.spawned'> | Ev<'run.adopted'>;
      return { pid: e.pid, startTime: e.startTime, spawnedAt: e.time, updownSince: e.time, spawning: false, paused: false, respawnAt: null, healthFailure: null, restartRequested: false };
    }),
    recordAdopted: assign(({ event }) => {
      const e = event as Ev<'run.adopted'>;
      return { pid: e.pid, startTime: e.startTime, spawning: false, finishing: false };
    }),
    recordSpawnFailure: assign(({ event }) => {
      const e = event as Ev<'run.spawnFailed'>;
      return { spawning: false, pid: null, startTime: null, error: e.error, updownSince: e.time };
    }),
    recordExit: assign(({ context, event }) => {
      const e = event as Ev<'run.exited'>;
      const death = { code: e.code, signal: e.signal, time: e.time };
      const outcome = deathOutcome(context, death, context.restartRequested === true);
      return {
        pid: null,
        startTime: null,
        exitCode: e.code,
        signal: e.signal,
        paused: false,
        updownSince: e.time,
        readySince: null,
        deathTally: Math.min(context.deathTally + 1, context.maxDeathTally),
        deaths: (context.deaths ?? 0) + 1,
        recentDeaths: deathsInWindow(context, e.time),
        notifyPhase: null,
        mainPid: null,
        ...afterDeath(context, outcome, e.time),
      };
    }),
    recordLost: assign(({ context, event }) => ({
      pid: null,
      startTime: null,
      exitCode: null,
      signal: null,
      paused: false,
      spawning: false,
      finishing: false,
      updownSince: event.time,
      readySince: null,
      deathTally: context.pid === null ? context.deathTally : Math.min(context.deathTally + 1, context.maxDeathTally),
      deaths: (context.deaths ?? 0) + (context.pid === null ? 0 : 1),
      notifyPhase: null,
      mainPid: null,
      ...(context.wantedUp ? nextRespawn(context, event.time) : { respawnAt: null }),
    })),
    recordReady: assign(({ event }) => ({ readySince: event.time })),
    recordUpTimeout: assign(({ event }) => ({
      error: `readiness timeout after ${(event as Ev<'readiness.timeout'>).timeout} ms`,
      readySince: null,
    })),
    recordGaveUp: assign(({ event }) => ({ error: (event as Ev<'readiness.gaveUp'>).reason })),
    recordFinishStarted: assign({ finishing: true }),
    recordFinishDone: assign({ finishing: false }),
    recordPermanentFailure: assign({ wantedUp: false, error: 'permanent failure: finish exited 125' }),
    recordHealthFailure: assign(({ event }) => {
      const e = event as Ev<'health.failed'>;
      return { healthFailure: e.reason, error: e.reason };
    }),
    recordNotifyState: assign(({ context, event }) => {
      const e = event as Ev<'notify.state'>;
      return {
        notifyStatus: e.status ?? context.notifyStatus ?? null,
        notifyPhase: e.phase === undefined ? (context.notifyPhase ?? null) : e.phase === 'running' ? null : e.phase,
        mainPid: e.mainPid ?? context.mainPid ?? null,
      };
    }),
    /** A start the user asked for: the restart count and the limit's window start again. */
    resetRestarts: assign({ restartCount: 0, recentDeaths: [], respawnAt: null }),
    redefine: assign(({ event }) => {
      const { name, notifies, hasFinish, maxDeathTally, restart, restartBackoff, restartLimit } = event as Ev<'definition.changed'>;
      return { name, notifies, hasFinish, maxDeathTally, restart: restart ?? 'always', restartBackoff: restartBackoff ?? null, restartLimit: restartLimit ?? null };
    }),
    recordSignal: assign(({ context, event }) => {
      const signal = (event as Ev<'control.signal'>).signal;
      if (signal === 'SIGSTOP') return { paused: true };
      if (signal === 'SIGCONT') return { paused: false };
      return { paused: context.paused };
    }),
  },
  guards: {
    notifies: ({ context }) => context.notifies,
    hasFinish: ({ context }) => context.hasFinish,
    wantedUp: ({ context }) => context.wantedUp,
    runAlive: ({ context }) => context.pid !== null,
    busy: ({ context }) => context.spawning || context.finishing,
    finishing: ({ context }) => context.finishing,
    permanentFailure: ({ event }) => (event as Ev<'finish.exited'>).code === 125,
    permanentFailureWhileWantedUp: ({ context, event }) =>
      context.wantedUp && (event as Ev<'finish.exited'>).code === 125,
    /** run died and the restart policy restarts it. */
    restarts: ({ context, event }) => outcomeOf(context, event) === 'restart',
    /** run died once too often within restart-limit's window. */
    limitReached: ({ context, event }) => outcomeOf(context, event) === 'limit',
    /** After finish: the death it followed reached the restart limit. */
    failedForGood: ({ context }) => context.restartLimitReached === true,
  },
}).createMachine({
  id: 'longrun',
  initial: 'down',
  on: {
    // Whatever its state: the process (if any) runs on; the new definition applies from its next start.
    'definition.changed': { actions: 'redefine' },
    'notify.state': { actions: 'recordNotifyState' },
  },
  context: ({ input }) => ({
    name: input.name,
    wantedUp: false,
    pid: null,
    startTime: null,
    spawnedAt: null,
    exitCode: null,
    signal: null,
    paused: false,
    updownSince: input.since,
    readySince: null,
    deathTally: 0,
    maxDeathTally: input.maxDeathTally,
    error: null,
    notifies: input.notifies,
    hasFinish: input.hasFinish,
    finishing: false,
    spawning: false,
    restart: input.restart,
    restartBackoff: input.restartBackoff,
    restartLimit: input.restartLimit,
    deaths: 0,
    restartCount: 0,
    recentDeaths: [],
    respawnAt: null,
    healthFailure: null,
    restartRequested: false,
    restartLimitReached: false,
    notifyStatus: null,
    notifyPhase: null,
    mainPid: null,
  }),
  states: {
    down: {
      on: {
        up: { target: 'starting', actions: ['setWantedUp', 'clearError', 'resetRestarts', 'recordSpawning', 'startUpTimer', 'spawnRun'] },
        once: { target: 'starting', actions: ['setWantedDown', 'clearError', 'recordSpawning', 'spawnRun'] },
        down: { actions: ['setWantedDown'] },
      },
    },
    // Spawning run, running finish after a death, or waiting out the respawn delay (throttle or backoff).
    starting: {
      on: {
        'run.spawned': [
          { guard: 'notifies', target: 'up-unready', actions: ['recordSpawn', 'startReadiness'] },
          { target: 'ready', actions: ['recordSpawn', 'recordReady', 'cancelUpTimer'] },
        ],
        'run.spawnFailed': { target: 'failed', actions: ['recordSpawnFailure', 'cancelUpTimer'] },
        'respawn.due': { actions: ['recordSpawning', 'spawnRun'] },
        'finish.exited': [
          { guard: 'permanentFailure', target: 'failed', actions: ['recordFinishDone', 'recordPermanentFailure', 'cancelUpTimer'] },
          { actions: ['recordFinishDone', 'scheduleRespawn'] },
        ],
        'finish.timeout': { actions: ['killFinish'] },
        'readiness.timeout': { target: 'failed', actions: ['recordUpTimeout', 'cancelRespawn'] },
        up: { actions: ['setWantedUp'] },
        down: [
          { guard: 'busy', target: 'stopping', actions: ['setWantedDown', 'cancelUpTimer'] },
          { target: 'down', actions: ['setWantedDown', 'cancelRespawn', 'cancelUpTimer'] },
        ],
        'run.lost': [
          { guard: 'wantedUp', actions: ['recordLost', 'scheduleRespawn'] },
          { target: 'down', actions: ['recordLost'] },
        ],
        // Recovery: the previous supervisor spawned run but died before recording it.
        'run.adopted': [
          { guard: 'notifies', target: 'up-unready', actions: ['recordSpawn', 'startReadiness', 'startUpTimer'] },
          { target: 'ready', actions: ['recordSpawn', 'recordReady', 'cancelUpTimer'] },
        ],
      },
    },
    'up-unready': {
      on: {
        'readiness.notified': { target: 'ready', actions: ['recordReady', 'stopReadiness', 'cancelUpTimer'] },
        'readiness.gaveUp': { actions: ['recordGaveUp', 'stopReadiness'] },
        'readiness.timeout': { target: 'failed', actions: ['recordUpTimeout', 'stopReadiness'] },
        'run.exited': [
          { guard: and(['restarts', 'hasFinish']), target: 'starting', actions: ['recordExit', 'stopReadiness', 'recordFinishStarted', 'runFinish'] },
          { guard: 'restarts', target: 'starting', actions: ['recordExit', 'stopReadiness', 'scheduleRespawn'] },
          { guard: and(['limitReached', 'hasFinish']), target: 'stopping', actions: ['recordExit', 'stopReadiness', 'cancelUpTimer', 'recordFinishStarted', 'runFinish'] },
          { guard: 'limitReached', target: 'failed', actions: ['recordExit', 'stopReadiness', 'cancelUpTimer'] },
          { guard: 'hasFinish', target: 'stopping', actions: ['recordExit', 'stopReadiness', 'recordFinishStarted', 'runFinish'] },
          { target: 'down', actions: ['recordExit', 'stopReadiness', 'cancelUpTimer'] },
        ],
        down: { target: 'stopping', actions: ['setWantedDown', 'stopReadiness', 'cancelUpTimer', 'signalRun', 'startKillTimer'] },
        up: { actions: ['setWantedUp'] },
        'control.signal': { actions: ['recordSignal', 'sendSignal'] },
        // Recovery: readiness is watched again and timeout-up runs again, in full, from now.
        'run.adopted': { actions: ['recordAdopted', 'startReadiness', 'startUpTimer'] },
        'run.lost': [
          { guard: 'wantedUp', target: 'starting', actions: ['recordLost', 'scheduleRespawn'] },
          { target: 'down', actions: ['recordLost'] },
        ],
      },
    },
    // Health checks (watchdog, liveness probe) run while ready, and only then.
    ready: {
      entry: ['startHealth'],
      exit: ['stopHealth'],
      on: {
        'run.exited': [
          { guard: and(['restarts', 'hasFinish']), target: 'starting', actions: ['recordExit', 'recordFinishStarted', 'runFinish'] },
          { guard: 'restarts', target: 'starting', actions: ['recordExit', 'scheduleRespawn'] },
          { guard: and(['limitReached', 'hasFinish']), target: 'stopping', actions: ['recordExit', 'recordFinishStarted', 'runFinish'] },
          { guard: 'limitReached', target: 'failed', actions: ['recordExit'] },
          { guard: 'hasFinish', target: 'stopping', actions: ['recordExit', 'recordFinishStarted', 'runFinish'] },
          { target: 'down', actions: ['recordExit'] },
        ],
        // Hung: stop it as `down` would, still wanted up; its death goes to the restart policy.
        'health.failed': { target: 'stopping', actions: ['recordHealthFailure', 'signalRun', 'startKillTimer'] },
        down: { target: 'stopping', actions: ['setWantedDown', 'signalRun', 'startKillTimer'] },
        up: { actions: ['setWantedUp'] },
        'control.signal': { actions: ['recordSignal', 'sendSignal'] },
        'run.adopted': { actions: ['recordAdopted', 'startHealth'] },
        'run.lost': [
          { guard: 'wantedUp', target: 'starting', actions: ['recordLost', 'scheduleRespawn'] },
          { target: 'down', actions: ['recordLost'] },
        ],
      },
    },
    // Signalled (or spawn/finish pending): waiting for run to exit and finish to end.
    stopping: {
      on: {
        'run.spawned': { actions: ['recordSpawn', 'signalRun', 'startKillTimer'] },
        'run.spawnFailed': [
          { guard: 'wantedUp', target: 'failed', actions: ['recordSpawnFailure'] },
          { target: 'down', actions: ['recordSpawnFailure'] },
        ],
        'run.exited': [
          { guard: 'hasFinish', actions: ['recordExit', 'cancelKillTimer', 'recordFinishStarted', 'runFinish'] },
          { guard: 'restarts', target: 'starting', actions: ['recordExit', 'cancelKillTimer', 'scheduleRespawn'] },
          { guard: 'limitReached', target: 'failed', actions: ['recordExit', 'cancelKillTimer'] },
          { target: 'down', actions: ['recordExit', 'cancelKillTimer'] },
        ],
        'finish.exited': [
          { guard: 'runAlive', actions: ['recordFinishDone'] },
          { guard: 'permanentFailureWhileWantedUp', target: 'failed', actions: ['recordFinishDone', 'recordPermanentFailure'] },
          { guard: 'failedForGood', target: 'failed', actions: ['recordFinishDone'] },
          { guard: 'wantedUp', target: 'starting', actions: ['recordFinishDone', 'scheduleRespawn'] },
          { target: 'down', actions: ['recordFinishDone'] },
        ],
        'finish.timeout': { actions: ['killFinish'] },
        'kill.timeout': { actions: ['killRun'] },
        up: { actions: ['setWantedUp', 'requestRestart'] },
        down: { actions: ['setWantedDown'] },
        'control.signal': { actions: ['recordSignal', 'sendSignal'] },
        'run.adopted': { actions: ['recordAdopted', 'signalRun', 'startKillTimer'] },
        'run.lost': [
          { guard: 'wantedUp', target: 'starting', actions: ['recordLost', 'scheduleRespawn'] },
          { target: 'down', actions: ['recordLost'] },
        ],
      },
    },
    // The up transition failed (spawn error, readiness timeout, permanent failure, restart limit).
    // run may still be alive (readiness timeout): the orchestrator sends `down`.
    failed: {
      on: {
        up: [
          { guard: 'runAlive', target: 'stopping', actions: ['setWantedUp', 'clearError', 'resetRestarts', 'requestRestart', 'signalRun', 'startKillTimer'] },
          { guard: 'busy', target: 'stopping', actions: ['setWantedUp', 'clearError', 'resetRestarts', 'requestRestart'] },
          { target: 'starting', actions: ['setWantedUp', 'clearError', 'resetRestarts', 'recordSpawning', 'startUpTimer', 'spawnRun'] },
        ],
        down: [
          { guard: 'runAlive', target: 'stopping', actions: ['setWantedDown', 'signalRun', 'startKillTimer'] },
          { guard: 'busy', target: 'stopping', actions: ['setWantedDown'] },
          { target: 'down', actions: ['setWantedDown'] },
        ],
        'run.spawned': { actions: ['recordSpawn'] },
        'run.spawnFailed': { actions: ['recordSpawnFailure'] },
        'run.exited': [
          { guard: 'hasFinish', actions: ['recordExit', 'recordFinishStarted', 'runFinish'] },
          { actions: ['recordExit'] },
        ],
        'finish.exited': { actions: ['recordFinishDone'] },
        'finish.timeout': { actions: ['killFinish'] },
        'control.signal': { guard: 'runAlive', actions: ['recordSignal', 'sendSignal'] },
        'run.adopted': { actions: ['recordAdopted'] },
        'run.lost': { actions: ['recordLost'] },
      },
    },
  },
});
