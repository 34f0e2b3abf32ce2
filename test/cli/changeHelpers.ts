/** Shared setup for the `s6rc change` CLI tests: a real supervisor on a small service set. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S6RC, s6rc, tempDir, type CliResult } from '../helpers/cli.js';
import { makeLive, type SourceService, type TestLive } from '../helpers/supervisor.js';

export interface RcLive extends TestLive {
  /** `s6rc -l live ARGS...` (s6-rc style: options before the subcommand). */
  rc(...args: string[]): CliResult;
  /** Same, in the background; killed by pid in `cleanup`. */
  rcAsync(...args: string[]): Background;
  /** What `-a list` says is up. */
  up(): string[];
  /** The event log as objects (`history --json`). */
  events(): Array<{ event: string; service: string | null; change: number | null; payload: Record<string, unknown> }>;
}

export interface Background {
  child: ChildProcess;
  done: Promise<CliResult>;
}

const started: RcLive[] = [];
const children: ChildProcess[] = [];
const gateDirs: Array<() => void> = [];

/**
 * A shell loop that runs until the test calls `release()`: "still in flight"
 * becomes a fact the test establishes, not a race against a fixed sleep.
 */
export interface Gate {
  /** `/bin/sh` code that returns once released (for run scripts). */
  wait: string;
  /** An execline command line for a oneshot's `up`/`down` that returns once released. */
  oneshot: string;
  release(): void;
}

/** A fresh gate in its own temporary directory (removed by `cleanupAll`). */
export function gate(): Gate {
  const t = tempDir('s6rc-gate-');
  gateDirs.push(t.cleanup);
  const file = join(t.dir, 'release');
  const wait = `while [ ! -e ${file} ]; do sleep 0.05; done`;
  return { wait, oneshot: `/bin/sh -c "${wait}"`, release: () => writeFileSync(file, '') };
}

/** Compiles and inits a live directory (its supervisor gets `daemonEnv` too); everything is killed by pid in `cleanupAll`. */
export function startLive(services: Record<string, SourceService>, daemonEnv: Record<string, string> = {}): RcLive {
  const l = makeLive(services);
  const env = { ...process.env, S6RC_STORE: '' };
  const rc: RcLive = Object.assign(l, {
    rc: (...args: string[]) => s6rc(['-l', l.live, ...args], { env }),
    rcAsync: (...args: string[]): Background => {
      const child = spawn(process.execPath, [S6RC, '-l', l.live, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
      return { child, done };
    },
    up: () => rc.rc('-a', 'list').stdout.split('\n').filter(Boolean),
    events: () =>
      l
        .run('history', '--json')
        .stdout.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  });
  started.push(rc);
  const init = s6rc(['init', '-l', l.live, '-c', l.compiled], { env: { ...env, ...daemonEnv } });
  if (init.code !== 0) {
    cleanupAll();
    throw new Error(`init failed: ${init.stderr}`);
  }
  return rc;
}

/** Kills background clients, supervisors and service processes by pid; removes the directories. */
export function cleanupAll(): void {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const l of started.splice(0)) l.cleanup();
  for (const remove of gateDirs.splice(0)) remove();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A longrun that notifies readiness on fd 3 and then sleeps. */
export const notifying = (extra: Partial<SourceService> = {}): SourceService => ({
  type: 'longrun',
  run: 'echo >&3; exec sleep 1000',
  notificationFd: 3,
  ...extra,
});

export const oneshot = (up: string, extra: Partial<SourceService> = {}): SourceService => ({ type: 'oneshot', up, ...extra });
