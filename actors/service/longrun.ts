import type { StdioOptions } from 'node:child_process';
import { crashPoint } from '../supervisor/crashPoint.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { longrunInput, type LongrunEffect } from '../../machines/longrun.js';
import { RESPAWN_THROTTLE_MS } from '../../machines/service/restart.js';
import type { LongrunContext, LongrunEvent, LongrunInput } from '../../machines/service/events.js';
import { initialServiceSnapshot, longrunStep, restoreServiceSnapshot } from '../../machines/service/snapshots.js';
import type { Longrun } from '../../machines/model.js';
import { AdoptedProcesses } from './adoption.js';
import { ServiceCore, type EffectImplementations } from './core.js';
import { pollCheck } from './notifyOnCheck.js';
import { LongrunHealth } from './longrunHealth.js';
import type { ServiceActorOptions } from './options.js';
import { isSameProcess, readProcessStartTime } from './procStartTime.js';
import { watchReadinessPipe } from './readinessPipe.js';
import { childStream, SpawnError, spawnErrorMessage, spawnProcess } from './spawnProcess.js';
import { sendSignal, signalGroup, signalName, signalNumber } from './signals.js';
import { lockedRunArgv } from './runLock.js';
import { holdSuperviseLock, needsSuperviseLock, notifyFifodir, type SuperviseLock } from './superviseLock.js';
import type { ServiceHandle } from './types.js';

/**
 * A longrun supervised like s6-supervise does (SPEC §3): the OS side of
 * machines/longrun.ts. Timers exist only while something is pending (a stop,
 * a respawn, a readiness wait, a finish), never while a service idles.
 */
export function createLongrunActor(definition: Longrun, options: ServiceActorOptions): ServiceHandle {
  // `update` may give it a new definition (and name) while it runs: read at each use.
  let spec = definition;
  let env = options.env;
  let pipes: { stdin?: number; stdout?: number } = { stdin: options.stdin, stdout: options.stdout };
  if (!options.serviceDir) throw new Error(`service ${spec.name}: serviceDir is required for a longrun`);
  let dir = options.serviceDir;
  const now = options.now ?? Date.now;
  const whenRecorded = options.whenRecorded ?? ((run: () => void) => run());
  const downSignal = () => signalName(spec.downSignal) ?? 'SIGTERM';

  let disposed = false;
  let closeReadinessPipe: (() => void) | null = null;
  let cancelCheck: (() => void) | null = null;
  let unwatchAdopted: (() => void) | null = null;
  let finishPid: number | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  let respawnTimer: NodeJS.Timeout | undefined;
  let upTimer: NodeJS.Timeout | undefined;
  let finishTimer: NodeJS.Timeout | undefined;
  let superviseLock: SuperviseLock | null = null;
  let lockHeld = !needsSuperviseLock(spec);

  const send = (event: Parameters<typeof core.send>[0]) => core.send(event);
  const health = new LongrunHealth({ spec: () => spec, dir: () => dir, state: () => core.state, context: () => core.context, send });

  const runStdio = (): StdioOptions => {
    const stdio: StdioOptions = [pipes.stdin ?? 'ignore', pipes.stdout ?? 'inherit', 'inherit'];
    if (spec.notificationFd !== null) {
      // Slots between 3 and N stay closed in run; slot N is the write end of the readiness pipe.
      for (let fd = 3; fd < spec.notificationFd; fd++) stdio.push('ignore');
      stdio.push('pipe');
    }
    return stdio;
  };

  // Commit before spawn: a recovering supervisor must know run may have been started.
  const spawnRun = () =>
    whenRecorded(() => {
      if (disposed) return;
      crashPoint('spawn.recorded');
      spawnRunNow();
    });

  const spawnRunNow = () => {
    if (spec.notificationFd !== null && !(Number.isInteger(spec.notificationFd) && spec.notificationFd >= 3)) {
      // The compiler rejects these; a hand-made spec must not clobber run's stdio.
      send({ type: 'run.spawnFailed', error: `invalid notification-fd ${spec.notificationFd}: expected an integer of 3 or more` });
      return;
    }
    if (!lockHeld) {
      // First start of a run script using s6-notifyoncheck: take supervise/lock first.
      try {
        superviseLock ??= holdSuperviseLock(dir);
      } catch (error) {
        send({ type: 'run.spawnFailed', error: `unable to prepare ${dir}/supervise for s6 tools: ${(error as Error).message}` });
        return;
      }
      superviseLock.ready.then(() => {
        lockHeld = true;
        if (!disposed) spawnRunNow();
      });
      return;
    }
    let file = join(dir, 'run');
    let args: string[] = [];
    if (spec.lockFd !== null) {
      const locked = lockedRunArgv(spec.lockFd);
      if (!locked) {
        send({ type: 'run.spawnFailed', error: `lock-fd ${spec.lockFd} needs s6-setlock (from s6) on PATH to hold the lock` });
        return;
      }
      try {
        mkdirSync(join(dir, 'supervise'), { recursive: true, mode: 0o700 });
      } catch (error) {
        send({ type: 'run.spawnFailed', error: `unable to create ${dir}/supervise: ${(error as Error).message}` });
        return;
      }
      [file, ...args] = locked;
    }
    let runEnv = env;
    try {
      const more = health.runEnv();
      if (Object.keys(more).length) runEnv = { ...env, ...more };
    } catch (error) {
      send({ type: 'run.spawnFailed', error: `unable to give ${spec.name} its notify socket: ${(error as Error).message}` });
      return;
    }
    let spawned;
    try {
      spawned = spawnProcess(file, args, { cwd: dir, stdio: runStdio(), env: runEnv, newSession: true }, {
        onExit: (code, signal) => {
          clearTimeout(killTimer);
          if (superviseLock) notifyFifodir(dir, 'd');
          send({ type: 'run.exited', pid: spawned!.pid, code, signal });
        },
      });
    } catch (error) {
      if (error instanceof SpawnError) spawnErrorMessage(error).then((message) => send({ type: 'run.spawnFailed', error: message }));
      else send({ type: 'run.spawnFailed', error: `unable to spawn ${join(dir, 'run')}: ${(error as Error).message}` });
      return;
    }
    if (spec.notificationFd !== null) {
      const stream = childStream(spawned, spec.notificationFd);
      if (stream) closeReadinessPipe = watchReadinessPipe(stream, () => {
        closeReadinessPipe = null;
        send({ type: 'readiness.notified', via: 'fd' });
      });
    }
    crashPoint('spawn.started');
    send({ type: 'run.spawned', pid: spawned.pid, startTime: readProcessStartTime(spawned.pid) });
  };

  const runFinish = (context: LongrunContext, runPid: number | null) => {
    const code = context.signal ? 256 : (context.exitCode ?? 256);
    // As s6-supervise: exit code, signal number, and the process group of the dead run (it led its own).
    const args = [String(code), String(signalNumber(context.signal)), String(runPid ?? 0)];
    const stdio: StdioOptions = ['ignore', pipes.stdout ?? 'inherit', 'inherit'];
    try {
      const finish = spawnProcess(join(dir, 'finish'), args, { cwd: dir, stdio, newSession: true }, {
        onExit: (exitCode, signal) => {
          clearTimeout(finishTimer);
          finishPid = null;
          send({ type: 'finish.exited', code: exitCode, signal });
        },
      });
      finishPid = finish.pid;
    } catch (error) {
      const message = error instanceof SpawnError ? spawnErrorMessage(error) : Promise.resolve((error as Error).message);
      message.then((text) => send({ type: 'finish.exited', code: null, signal: null, error: text }));
      return;
    }
    if (spec.timeoutFinish > 0) {
      finishTimer = setTimeout(() => send({ type: 'finish.timeout', timeout: spec.timeoutFinish }), spec.timeoutFinish);
    }
  };

  const stopReadiness = () => {
    closeReadinessPipe?.();
    closeReadinessPipe = null;
    cancelCheck?.();
    cancelCheck = null;
    health.stopReadiness();
  };

  const effects: EffectImplementations<LongrunEffect, LongrunContext, LongrunEvent> = {
    spawnRun: () => spawnRun(),
    signalRun: ({ context }) => {
      if (context.pid === null) return;
      sendSignal(context.pid, downSignal());
      sendSignal(context.pid, 'SIGCONT');
    },
    killRun: ({ context }) => {
      // flag-timeout-killpg: what run forked goes too.
      if (context.pid !== null) (spec.killProcessGroup ? signalGroup : sendSignal)(context.pid, 'SIGKILL');
    },
    startKillTimer: () => {
      clearTimeout(killTimer);
      if (spec.timeoutKill > 0) killTimer = setTimeout(() => send({ type: 'kill.timeout', timeout: spec.timeoutKill }), spec.timeoutKill);
    },
    cancelKillTimer: () => clearTimeout(killTimer),
    runFinish: ({ context, event }) => runFinish(context, 'pid' in event ? event.pid : null),
    killFinish: () => {
      if (finishPid !== null) sendSignal(finishPid, 'SIGKILL');
    },
    scheduleRespawn: ({ context }) => {
      clearTimeout(respawnTimer);
      // The machine decided when (s6's throttle or restart-backoff), from the death's time.
      const due = context.respawnAt ?? (context.spawnedAt ?? 0) + RESPAWN_THROTTLE_MS;
      respawnTimer = setTimeout(() => send({ type: 'respawn.due' }), Math.max(0, due - now()));
    },
    cancelRespawn: () => clearTimeout(respawnTimer),
    startReadiness: () => {
      // The notification-fd pipe is watched from the spawn on; only the check poller starts here.
      if (spec.notifyOnCheck && !cancelCheck) {
        cancelCheck = pollCheck(dir, spec.notifyOnCheck, (outcome) => {
          cancelCheck = null;
          if (outcome.ready) send({ type: 'readiness.notified', via: 'check' });
          else send({ type: 'readiness.gaveUp', reason: outcome.reason ?? 'data/check failed' });
        });
      }
      health.startReadiness();
    },
    stopReadiness,
    startUpTimer: () => {
      clearTimeout(upTimer);
      if (spec.timeoutUp > 0) upTimer = setTimeout(() => send({ type: 'readiness.timeout', timeout: spec.timeoutUp }), spec.timeoutUp);
    },
    cancelUpTimer: () => clearTimeout(upTimer),
    startHealth: () => health.startHealth(),
    stopHealth: () => health.stopHealth(),
    sendSignal: ({ context, event }) => {
      if (event.type !== 'control.signal' || context.pid === null) return;
      const signal = signalName(event.signal);
      if (signal) (event.group ? signalGroup : sendSignal)(context.pid, signal);
    },
  };

  const core = new ServiceCore({
    name: spec.name,
    type: 'longrun',
    step: longrunStep,
    initial: options.restore ? restoreServiceSnapshot('longrun', options.restore.snapshot) : initialServiceSnapshot(spec, options.since ?? now()),
    effects,
    sink: options.sink,
    now,
  });

  if (options.restore) {
    recover(options.restore);
    // A crash between a database switch and its definition.changed events leaves an older definition in the context.
    if (JSON.stringify(definitionOf(core.context)) !== JSON.stringify(definitionOf(spec))) send({ type: 'definition.changed', ...definitionOf(spec) });
  }

  /** After a supervisor crash: adopt the recorded run if it is the same process, else report it lost. */
  function recover(restore: NonNullable<ServiceActorOptions['restore']>) {
    const context = core.context;
    const pid = restore.adopt?.pid ?? context.pid;
    const startTime = restore.adopt ? restore.adopt.startTime : context.startTime;
    if (pid !== null && isSameProcess(pid, startTime)) {
      try {
        // Its NOTIFY_SOCKET names the same address: open it again before it is needed.
        health.runEnv();
      } catch {
        /* its next start reports it */
      }
      send({ type: 'run.adopted', pid, startTime });
      unwatchAdopted = (options.adopted ?? new AdoptedProcesses()).watch(pid, startTime, () => {
        unwatchAdopted = null;
        clearTimeout(killTimer);
        send({ type: 'run.exited', pid, code: null, signal: null });
      });
      if (core.state === 'up-unready' && spec.notificationFd !== null && !spec.notifyOnCheck) {
        // The read end of its notification pipe died with the previous supervisor, so its
        // readiness can never be seen: restart it (as a new s6-supervise would) for a fresh pipe.
        const reason = 'notification pipe lost with the previous supervisor: restarting it';
        send({ type: 'control.signal', signal: downSignal(), reason });
        send({ type: 'control.signal', signal: 'SIGCONT', reason });
      }
    } else if (pid !== null || core.state === 'starting' || core.state === 'stopping') {
      send({ type: 'run.lost', pid });
    }
  }

  return {
    name: spec.name,
    status: () => core.status(),
    get status$() {
      return core.status$;
    },
    up: (changeId = null) => send({ type: 'up', changeId }),
    down: (changeId = null) => send({ type: 'down', changeId }),
    once: (changeId = null) => send({ type: 'once', changeId }),
    signal: (signal, group = false) => send({ type: 'control.signal', signal, ...(group ? { group } : {}) }),
    reload: (changeId = null) => send({ type: 'control.signal', signal: spec.reloadSignal, reason: 'reload', changeId }),
    redefine(next, where) {
      spec = next as Longrun;
      if (where.serviceDir) dir = where.serviceDir;
      if (where.env) env = where.env;
      if (where.pipes) pipes = where.pipes;
      core.name = spec.name;
      send({ type: 'definition.changed', ...definitionOf(spec) });
    },
    terminate() {
      const pid = core.context.pid;
      if (pid !== null) signalGroup(pid, 'SIGKILL');
      if (finishPid !== null) signalGroup(finishPid, 'SIGKILL');
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const timer of [killTimer, respawnTimer, upTimer, finishTimer]) clearTimeout(timer);
      stopReadiness();
      health.dispose();
      unwatchAdopted?.();
      superviseLock?.release();
      core.dispose();
    },
  } as ServiceHandle;
}

/** What of a definition the machine keeps in its context (`longrunInput` without `since`). */
function definitionOf(source: Longrun | LongrunContext): Omit<LongrunInput, 'since'> {
  if ('type' in source) {
    const { since: _, ...definition } = longrunInput(source, 0);
    return definition;
  }
  const { name, notifies, hasFinish, maxDeathTally } = source;
  return { name, notifies, hasFinish, maxDeathTally, restart: source.restart ?? 'always', restartBackoff: source.restartBackoff ?? null, restartLimit: source.restartLimit ?? null };
}
