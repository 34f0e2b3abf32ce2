import { oneshotInput, oneshotMachine } from '../../machines/oneshot.js';
import type { OneshotContext } from '../../machines/service/events.js';
import type { Command, Oneshot } from '../../store/compiled/model.js';
import { provideEffects, ServiceCore } from './core.js';
import type { ServiceActorOptions } from './options.js';
import { writeScriptFile } from './scriptFile.js';
import { sendSignal } from './signals.js';
import { SpawnError, spawnErrorMessage, spawnProcess } from './spawnProcess.js';
import type { ServiceHandle } from './types.js';

const EFFECTS = ['runUp', 'runDown', 'cancelScriptTimer', 'killScript'] as const;
const machine = provideEffects(oneshotMachine, EFFECTS);

/**
 * A oneshot: runs its stored `up`/`down` command as a child of the
 * supervisor, in the supervisor's environment (as s6-rc's oneshot runner
 * does), with timeout-up/timeout-down killing it (SIGTERM, then SIGKILL).
 */
export function createOneshotActor(spec: Oneshot, options: ServiceActorOptions): ServiceHandle {
  const now = options.now ?? Date.now;
  const cwd = options.serviceDir ?? process.cwd();
  const grace = options.scriptKillGrace ?? 1000;
  let scriptTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const send = (event: { type: string; [key: string]: unknown }) => core.send(event);

  const runScript = (which: 'up' | 'down', command: Command) => {
    clearTimeout(scriptTimer);
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
        written = writeScriptFile(`${spec.name}-${which}`, command.script);
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
      pid = spawnProcess(file, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] }, {
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
    send({ type: 'script.spawned', pid, script: which, ...(command.kind === 'argv' ? { argv: command.argv } : {}) });
    const timeout = which === 'up' ? spec.timeoutUp : spec.timeoutDown;
    if (timeout > 0) scriptTimer = setTimeout(() => send({ type: 'script.timeout', timeout }), timeout);
  };

  const effects = {
    runUp: () => runScript('up', spec.up),
    runDown: () => {
      if (spec.down) runScript('down', spec.down);
    },
    cancelScriptTimer: () => clearTimeout(scriptTimer),
    killScript: ({ context }: { context: OneshotContext }) => {
      const pid = context.pid;
      if (pid === null) return;
      sendSignal(pid, 'SIGTERM');
      graceTimer = setTimeout(() => sendSignal(pid, 'SIGKILL'), grace);
    },
  };

  const core = new ServiceCore({
    name: spec.name,
    type: 'oneshot',
    machine,
    input: oneshotInput(spec, options.since ?? now()),
    restored: options.restore?.snapshot,
    effects,
    sink: options.sink,
    now,
  });

  // Recovery: a script that ran under the dead supervisor is not our child; its exit status is lost.
  const restored = options.restore?.snapshot;
  if (restored && (restored.state === 'starting' || restored.state === 'stopping' || restored.context.pid !== null)) {
    send({ type: 'script.lost', pid: restored.context.pid });
  }

  return {
    name: spec.name,
    status: () => core.status(),
    get status$() {
      return core.status$;
    },
    up: (changeId = null) => send({ type: 'up', changeId }),
    down: (changeId = null) => send({ type: 'down', changeId }),
    signal: () => {
      // s6-svc controls apply to longruns only.
    },
    dispose() {
      clearTimeout(scriptTimer);
      clearTimeout(graceTimer);
      core.dispose();
    },
  } as ServiceHandle;
}
