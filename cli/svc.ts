/**
 * `s6rc svc`: s6-svc's manual controls for longruns (signals also reach a
 * oneshot's running script), over the control socket.
 * Manual controls do not change the live state (s6-rc semantics).
 */
import { constants } from 'node:os';
import type { Op } from '../protocol/types.js';
import { call, connectOrDie } from './client.js';
import { EXIT, Fatal } from './fatal.js';
import { usageError, type CommandSpec, type OptionSpec, type ParseResult } from './options.js';
import { liveDir } from './paths.js';
import { waitFor, type WaitFor } from './waitFor.js';
import { USAGE } from './usage.js';

/** Each control, in s6-svc's letters; signals are sent to the run process. */
const CONTROLS: [string, string, string][] = [
  ['u', 'up', 'want up: start it, restart it whenever it dies'],
  ['d', 'down', 'want down: send the down-signal then SIGCONT (SIGKILL after timeout-kill)'],
  ['r', 'restart', 'send the down-signal and let it respawn (want stays up)'],
  ['o', 'once', 'up once: start it, do not restart it when it dies'],
  ['x', 'exit', 'bring it down (s6-svc -x; one supervisor holds every service, so none exits)'],
  ['t', 'SIGTERM', 'send SIGTERM'],
  ['k', 'SIGKILL', 'send SIGKILL'],
  ['h', 'SIGHUP', 'send SIGHUP'],
  ['a', 'SIGALRM', 'send SIGALRM'],
  ['i', 'SIGINT', 'send SIGINT'],
  ['q', 'SIGQUIT', 'send SIGQUIT'],
  ['1', 'SIGUSR1', 'send SIGUSR1'],
  ['2', 'SIGUSR2', 'send SIGUSR2'],
  ['b', 'SIGABRT', 'send SIGABRT'],
  ['y', 'SIGWINCH', 'send SIGWINCH'],
  ['p', 'SIGSTOP', 'pause: send SIGSTOP'],
  ['c', 'SIGCONT', 'continue: send SIGCONT'],
  ['l', 'reload', "reload: send the service's reload-signal (SIGHUP unless its reload-signal file says otherwise)"],
  ['P', 'group:SIGSTOP', 'send SIGSTOP to the process group of run'],
  ['C', 'group:SIGCONT', 'send SIGCONT to the process group of run'],
  ['K', 'group:SIGKILL', 'send SIGKILL to the process group of run'],
];

/** The controls that are socket operations of their own; the others send a signal. */
const SERVICE_OPS = ['up', 'down', 'restart', 'once', 'exit'] as const satisfies readonly Op[];
const isServiceOp = (control: string): control is (typeof SERVICE_OPS)[number] => (SERVICE_OPS as readonly string[]).includes(control);

/** The signals -s accepts, as s6-svc: only those its letters send. */
const SENDABLE = new Set(CONTROLS.map(([, value]) => value).filter((v) => v.startsWith('SIG')));

/** `-s hup`, `-s SIGHUP`, `-s 1` → `SIGHUP`; a usage error for anything s6-svc would refuse. */
function sendable(raw: string): string {
  const table = constants.signals as Record<string, number>;
  const upper = raw.toUpperCase();
  const name = /^\d+$/.test(raw) ? Object.keys(table).find((k) => table[k] === Number(raw)) : upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!name || !SENDABLE.has(name)) throw usageError(spec, `option -s: ${raw} is not one of the signals s6-svc sends (${[...SENDABLE].map((x) => x.slice(3)).join(' ')})`);
  return name;
}

export const spec: CommandSpec = {
  name: 'svc',
  usage: USAGE.svc,
  summary: "Sends s6-svc's controls to longruns, in the order given; -w waits afterwards as s6-svwait does. Signals also reach the process group of a oneshot's running up/down script.",
  options: [
    // -l is s6-svc's reload: the live directory is --livedir, or -l before the subcommand (s6rc -l live svc ...).
    { key: 'live', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (also: s6rc -l live svc ...)' },
    ...CONTROLS.map(([short, value, help]): OptionSpec => ({ key: 'controls', short, kind: 'flag', value, multiple: true, help })),
    { key: 'controls', short: 's', kind: 'string', argName: 'signal', tag: 'signal:', multiple: true, help: 'send this signal: a name (case-insensitive) or number among those above' },
    { key: 'wait', short: 'w', kind: 'string', argName: 'u|U|d|D|r|R', help: 'then wait until up, ready, down, finished, restarted, restarted and ready' },
    { key: 'timeout', short: 'T', kind: 'int', argName: 'timeout', help: 'with -w: give up after this many ms (exit 99)' },
  ],
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length === 0) throw usageError(spec, 'missing service name');
  const controls = ((values.controls as string[] | undefined) ?? []).map((c) => (c.startsWith('signal:') ? sendable(c.slice('signal:'.length)) : c));
  const wait = values.wait as string | undefined;
  if (wait !== undefined && !/^[uUdDrR]$/.test(wait)) throw usageError(spec, `option -w expects one of u, U, d, D, r, R, got '${wait}'`);
  if (controls.length === 0 && wait === undefined) throw usageError(spec, 'no control given');
  const client = await connectOrDie(liveDir(values.live));
  try {
    // Subscribe before acting, so a fast transition cannot slip past -w.
    const waiting = wait ? waitFor(client, operands, { what: wait as WaitFor, all: true, timeout: (values.timeout as number | undefined) ?? 0 }) : null;
    for (const c of controls) {
      if (c.startsWith('SIG')) await call(client, 'signal', { services: operands, signal: c });
      else if (c.startsWith('group:')) await call(client, 'signal', { services: operands, signal: c.slice('group:'.length), group: true });
      else if (c === 'reload') await call(client, 'signal', { services: operands, reloadSignal: true });
      else if (isServiceOp(c)) await call(client, c, { services: operands });
      else throw new Fatal(EXIT.system, `internal error: unknown control ${c}`);
    }
    return waiting ? await waiting : EXIT.ok;
  } finally {
    client.close();
  }
}
