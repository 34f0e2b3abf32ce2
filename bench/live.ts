/**
 * Live supervisors for the benchmark suites that drive one: compile a source,
 * `init` a supervisor on it, and stop it by pid however the suite ends.
 * The event log goes to the live directory (`S6RC_STORE` empty), so a
 * developer's own `$S6RC_STORE` is never written by a bench.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { S6RC } from './measure.js';

export interface Live {
  live: string;
  /** The compiled database the supervisor started on. */
  compiled: string;
  stop(): void;
}

/** The environment every bench runs s6rc in. */
export const BENCH_ENV = { ...process.env, S6RC_STORE: '' };

/** Runs `s6rc args` (untimed) and returns its stdout; throws with its stderr if it exits non-zero. */
export function s6rcOk(args: string[]): string {
  const r = spawnSync(process.execPath, [S6RC, ...args], { encoding: 'utf8', env: BENCH_ENV, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`s6rc ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Compiles `source` into `<root>/<name>.compiled` and starts a supervisor on
 * it in `<root>/<name>.live`; `stop` shuts it down and kills it by pid if needed.
 *
 * @example
 *   const l = startLive(root, 'dag-100', source);
 *   try { ... } finally { l.stop(); }
 */
export function startLive(root: string, name: string, source: string): Live {
  const compiled = join(root, `${name}.compiled`);
  const live = join(root, `${name}.live`);
  s6rcOk(['compile', compiled, source]);
  s6rcOk(['init', '-c', compiled, '-l', live]);
  return {
    live,
    compiled,
    stop() {
      let pid = 0;
      try {
        pid = Number(readFileSync(join(live, 'pid'), 'utf8'));
      } catch {
        /* not running */
      }
      spawnSync(process.execPath, [S6RC, 'shutdown', '-l', live, '-t', '5000'], { stdio: 'ignore', timeout: 60_000 });
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/**
 * Stops the supervisor of `live` (shutdown, `timeoutMs` for its services),
 * then SIGKILLs, by pid, every process whose cwd is inside `live` (what a
 * shutdown left: a service's run works in its service directory) and the
 * supervisor itself. Never by name: the machine may run other supervisors.
 */
export function killLive(live: string, supervisorPid: number, timeoutMs = 20_000): void {
  spawnSync(process.execPath, [S6RC, 'shutdown', '-l', live, '-t', String(timeoutMs)], { stdio: 'ignore', timeout: timeoutMs + 100_000 });
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(live)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  try {
    process.kill(supervisorPid, 'SIGKILL');
  } catch {
    /* exited */
  }
}

/**
 * One `up` request for `names` (over the control socket, as `svc -u` sends
 * it) after subscribing to all of them; resolves with the ms from the request
 * until every one reported ready. Rejects after `timeoutMs` saying how many
 * were ready, so a suite's teardown still runs.
 */
export function bringAllUp(live: string, names: string[], timeoutMs = 600_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(live, 'control'));
    const ready = new Set<string>();
    let buf = '';
    let t0 = 0;
    let subscribed = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${ready.size} of ${names.length} ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.setEncoding('utf8');
    socket.on('error', fail);
    socket.on('connect', () => socket.write(JSON.stringify({ id: 1, op: 'subscribe', services: names }) + '\n'));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.id !== 1) continue;
        if (msg.type === 'error') return fail(new Error(msg.message));
        if (++subscribed === names.length) {
          t0 = performance.now();
          socket.write(JSON.stringify({ id: 2, op: 'up', services: names }) + '\n');
        }
        if (t0 && msg.data?.status?.state === 'ready') ready.add(msg.data.status.name);
        if (t0 && ready.size === names.length) {
          clearTimeout(timer);
          socket.destroy();
          return resolve(performance.now() - t0);
        }
      }
    });
  });
}
