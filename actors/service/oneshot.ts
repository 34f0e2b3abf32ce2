import type { OneshotEffect } from '../../machines/oneshot.js';
import { crashPoint } from '../supervisor/crashPoint.js';
import type { OneshotContext, OneshotEvent } from '../../machines/service/events.js';
import { initialServiceSnapshot, oneshotStep, restoreServiceSnapshot } from '../../machines/service/snapshots.js';
import type { Command, Oneshot } from '../../machines/model.js';
import { AdoptedProcesses } from './adoption.js';
import { ServiceCore, type EffectImplementations } from './core.js';
import type { ServiceActorOptions } from './options.js';
import { isSameProcess, readProcessStartTime } from './procStartTime.js';
import { ScriptFiles } from './scriptFile.js';
import { signalGroup, signalName } from './signals.js';
import { SpawnError, spawnErrorMessage, spawnProcess } from './spawnProcess.js';
import type { ServiceHandle } from './types.js';

/**
 * A oneshot: runs its stored `up`/`down` command as a child of the
 * supervisor, in the supervisor's environment (as s6-rc's oneshot runner
 * does), each run in a process group of its own. timeout-up/timeout-down,
 * and a `down` that cancels a running `up`, kill that whole group (SIGTERM,
 * then SIGKILL), so nothing the script forked is left behind.
 */
export function createOneshotActor(definition: Oneshot, options: ServiceActorOptions): ServiceHandle {
  // `update` may give it a new definition (and name) while it is up: read at each use.
  let spec = definition;
  let env = options.env;
  const now = options.now ?? Date.now;
  const cwd = options.serviceDir ?? process.cwd();
  const grace = options.scriptKillGrace ?? 1000;
  const whenRecorded = options.whenRecorded ?? ((run: () => void) => run());
  const ownScripts = options.scripts ? null : new ScriptFiles();
  const scripts = options.scripts ?? ownScripts!;
  const adopted = options.adopted ?? new AdoptedProcesses();
  let scriptTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let unwatchAdopted: (() => void) | null = null;
  let disposed = false;
  const send = (event: Parameters<typeof core.send>[0]) => core.send(event);

  const runScript = (which: 'up' | 'down' | 'reload', command: Command) => {
    clearTimeout(scriptTimer);
    // Commit before spawn: a recovering supervisor must know the script may have run.
    whenRecorded(() => {
      if (disposed) return;
      crashPoint('spawn.recorded');
      spawnScript(which, command);
    });
  };

  const spawnScript = (which: 'up' | 'down' | 'reload', command: Command) => {
    let file: string;
    let args: string[];
    let removeFile = () => {};
    if (command.kind === 'argv') {
      // An empty (or comments-only) up/down does nothing and succeeds; running `true` keeps
      // the usual spawned/exited events, so the log and replay see an ordinary success.
      [file, ...args] = command.argv.length ? command.argv : ['true'];
    } else {
      let written;
      try {
        written = scripts.write(`${spec.name}-${which}`, command.script);
      } catch (error) {
        send({ type: 'script.spawnFailed', script: which, error: `unable to write the ${which} script: ${(error as Error).message}` });
        return;
      }
      file = written.path;
      args = [];
      removeFile = written.remove;
    }
    let pid: number;
    try {
      pid = spawnProcess(file, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env, newSession: true }, {
        onExit: (code, signal) => {
          removeFile();
          clearTimeout(graceTimer);
          send({ type: 'script.exited', pid, code, signal });
        },
      }).pid;
    } catch (error) {
      removeFile();
      const message = error instanceof SpawnError ? spawnErrorMessage(error) : Promise.resolve((error as Error).message);
      message.then((text) => send({ type: 'script.spawnFailed', script: which, error: text }));
      return;
    }
    crashPoint('spawn.started');
    send({ type: 'script.spawned', pid, script: which, startTime: readProcessStartTime(pid), ...(command.kind === 'argv' ? { argv: command.argv } : {}) });
    const timeout = which === 'up' ? spec.timeoutUp : which === 'down' ? spec.timeoutDown : 0;
    if (timeout > 0) scriptTimer = setTimeout(() => send({ type: 'script.timeout', timeout }), timeout);
  };

  const effects: EffectImplementations<OneshotEffect, OneshotContext, OneshotEvent> = {
    runUp: () => runScript('up', spec.up),
    runDown: () => {
      if (spec.down) runScript('down', spec.down);
    },
    runReload: () => {
      // No reload script: nothing to do, success (an empty run keeps the usual events).
      runScript('reload', spec.reload ?? { kind: 'argv', argv: [] });
    },
    cancelScriptTimer: () => clearTimeout(scriptTimer),
    killScript: ({ context }) => {
      const pid = context.pid;
      if (pid === null) return;
      signalGroup(pid, 'SIGTERM');
      signalGroup(pid, 'SIGCONT');
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), grace);
    },
    watchAdopted: ({ context }) => {
      const { pid, startTime } = context;
      if (pid === null) return;
      unwatchAdopted?.();
      // Not our child: no exit status will ever reach us, so its outcome stays unknown.
      unwatchAdopted = adopted.watch(pid, startTime, () => {
        unwatchAdopted = null;
        clearTimeout(graceTimer);
        send({ type: 'script.lost', pid });
      });
    },
    sendSignal: ({ context, event }) => {
      const signal = event.type === 'control.signal' ? signalName(event.signal) : null;
      if (context.pid !== null && signal) signalGroup(context.pid, signal);
    },
  };

  const core = new ServiceCore({
    name: spec.name,
    type: 'oneshot',
    step: oneshotStep,
    initial: options.restore ? restoreServiceSnapshot('oneshot', options.restore.snapshot) : initialServiceSnapshot(spec, options.since ?? now()),
    effects,
    sink: options.sink,
    now,
  });

  if (options.restore) {
    recover(options.restore);
    // A crash between a database switch and its definition.changed events leaves an older definition in the context.
    const context = core.context;
    if (context.name !== spec.name || context.hasDown !== (spec.down !== null)) send({ type: 'definition.changed', name: spec.name, hasDown: spec.down !== null });
  }

  /**
   * After a supervisor crash: a oneshot never runs twice for one request. A
   * script still running (the recorded one, or one found by its markers) is
   * adopted and waited for; one that is gone with no recorded exit has an
   * unknown outcome, and the next change decides what to do.
   */
  function recover(restore: NonNullable<ServiceActorOptions['restore']>) {
    const context = core.context;
    const inFlight = core.state === 'starting' || core.state === 'stopping' || context.pid !== null;
    if (!inFlight) return;
    const found = restore.adopt ?? (context.pid !== null ? { pid: context.pid, startTime: context.startTime ?? null } : null);
    if (found && isSameProcess(found.pid, found.startTime)) send({ type: 'script.adopted', pid: found.pid, startTime: found.startTime });
    else send({ type: 'script.lost', pid: context.pid });
  }

  return {
    name: spec.name,
    status: () => core.status(),
    get status$() {
      return core.status$;
    },
    up: (changeId = null) => send({ type: 'up', changeId }),
    down: (changeId = null) => send({ type: 'down', changeId }),
    signal: (signal) => send({ type: 'control.signal', signal }),
    reload: (changeId = null) => send({ type: 'reload', changeId }),
    redefine(next, where) {
      spec = next as Oneshot;
      if (where.env) env = where.env;
      core.name = spec.name;
      send({ type: 'definition.changed', name: spec.name, hasDown: spec.down !== null });
    },
    terminate() {
      const pid = core.context.pid;
      if (pid !== null) signalGroup(pid, 'SIGKILL');
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(scriptTimer);
      clearTimeout(graceTimer);
      unwatchAdopted?.();
      ownScripts?.close();
      core.dispose();
    },
  } as ServiceHandle;
}
