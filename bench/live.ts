/**
 * Live supervisors for the benchmark suites that drive one: compile a source,
 * `init` a supervisor on it, and stop it by pid however the suite ends.
 * The event log goes to the live directory (`S6RC_STORE` empty), so a
 * developer's own `$S6RC_STORE` is never written by a bench.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
