/**
 * One crash-harness iteration's world on disk: a source, its compiled
 * databases, a live directory and the counter files, with the supervisor
 * and clients run as real processes. Everything started is tracked by pid
 * and killed by pid in `cleanup`, whatever happened.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { findServiceProcesses } from '../../actors/supervisor/orphans.js';
import { S6RC, s6rc, tempDir, type CliResult } from '../helpers/cli.js';
import { isAlive, processesUnder, readPid } from '../helpers/supervisor.js';
import { writeGraph, type Graph } from './crashWorld.js';

/** One row of the `events` table, every column. */
export interface LoggedEvent {
  seq: number;
  time: number;
  boot: number;
  change_id: number | null;
  service: string | null;
  type: string;
  from_state: string | null;
  to_state: string | null;
  payload: string;
  database: number | null;
}

export interface Running {
  child: ReturnType<typeof spawn>;
  done: Promise<CliResult>;
}

/** Every live directory of this worker still to clean up (afterEach cleans what an iteration left). */
export const worlds = new Set<CrashLive>();

export class CrashLive {
  readonly root: string;
  readonly live: string;
  readonly counts: string;
  /** Every supervisor pid seen, every client started: killed by pid at cleanup. */
  private readonly pids = new Set<number>();
  private readonly removeRoot: () => void;
  private databases = 0;

  constructor() {
    const t = tempDir('s6rc-crash-');
    this.root = t.dir;
    this.removeRoot = t.cleanup;
    this.live = join(t.dir, 'live');
    this.counts = join(t.dir, 'counts');
    mkdirSync(this.counts);
    worlds.add(this);
  }

  /** Writes and compiles `graph`; returns the compiled database's path. */
  compile(graph: Graph): string {
    const n = this.databases++;
    const source = join(this.root, `source${n}`);
    const compiled = join(this.root, `compiled${n}`);
    writeGraph(source, graph, this.counts);
    const r = s6rc(['compile', compiled, source]);
    if (r.code !== 0) throw new Error(`compile failed: ${r.stderr}`);
    return compiled;
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, S6RC_STORE: '', ...extra };
    if (!extra.S6RC_CRASH_AT) delete env.S6RC_CRASH_AT;
    return env;
  }

  /** `s6rc ARGS` in the background (`-l live` added after the subcommand when `live`). */
  start(args: string[], extraEnv: Record<string, string> = {}): Running {
    const child = spawn(process.execPath, [S6RC, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: this.env(extraEnv) });
    this.pids.add(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    // A client that hangs is a failure, not a stuck run: at most a minute.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const done = new Promise<CliResult>((resolve) =>
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        this.pids.delete(child.pid!); // reaped: its pid may be reused, never kill it again
        resolve({ code: code ?? (signal ? 128 : null), stdout, stderr });
      }),
    );
    return { child, done };
  }

  /** `s6rc SUB -l live ARGS`, to its end. */
  run(sub: string, ...args: string[]): Promise<CliResult> {
    return this.start([sub, '-l', this.live, ...args]).done;
  }

  /** The s6-rc command (`change`, `list`...) with `-l live`, in the background. */
  rc(...args: string[]): Running {
    return this.start(['-l', this.live, ...args]);
  }

  /** `s6rc init`, with S6RC_CRASH_AT for its supervisor when given. */
  async init(compiled: string, crashAt?: string): Promise<CliResult> {
    const r = await this.start(['init', '-c', compiled, '-l', this.live], crashAt ? { S6RC_CRASH_AT: crashAt } : {}).done;
    this.noteSupervisor();
    return r;
  }

  /** `s6rc daemon` on the live directory in its own session, as an operator restarts it; resolves once it is ready. */
  restart(): Promise<void> {
    const child = spawn(process.execPath, [S6RC, 'daemon', '-l', this.live, '-N', '3'], {
      cwd: this.live,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: this.env(),
    });
    this.pids.add(child.pid!);
    child.unref();
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    return new Promise<void>((resolve, reject) => {
      child.stdio[3]!.on('data', () => resolve());
      child.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${stderr}`)));
    }).finally(() => {
      child.removeAllListeners('exit');
      (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
      (child.stderr as NodeJS.ReadableStream & { destroy(): void }).destroy();
    });
  }

  supervisorPid(): number | null {
    return this.noteSupervisor();
  }

  private noteSupervisor(): number | null {
    const pid = readPid(join(this.live, 'pid'));
    if (pid) this.pids.add(pid);
    return pid;
  }

  /** Every committed event, as a reader sees the log now (read-only). */
  events(): LoggedEvent[] {
    const db = new Database(join(this.live, 'events.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT seq, time, boot, change_id, service, type, from_state, to_state, payload, database FROM events ORDER BY seq').all() as LoggedEvent[];
    } finally {
      db.close();
    }
  }

  /** Changes the log has not closed (ended IS NULL). */
  openChanges(): number[] {
    const db = new Database(join(this.live, 'events.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT id FROM changes WHERE ended IS NULL').all() as { id: number }[]).map((r) => r.id);
    } finally {
      db.close();
    }
  }

  /** Session leaders started for services of this live directory, by service (as a recovering supervisor finds them). */
  serviceProcesses(): Map<string, number[]> {
    return new Map([...findServiceProcesses(this.live)].map(([name, found]) => [name, found.map((p) => p.pid)]));
  }

  /** The oneshot's counter file: `up`/`down` lines in the order they ran. */
  runs(name: string): string[] {
    try {
      return readFileSync(join(this.counts, name), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /** Kills, by pid, every supervisor and client this world started and every service process of its live directory; removes it. */
  cleanup(): void {
    worlds.delete(this);
    const pids = new Set(this.pids);
    try {
      for (const list of findServiceProcesses(this.live, { leadersOnly: false }).values()) for (const p of list) pids.add(p.pid);
    } catch {
      /* no live directory */
    }
    for (const pid of processesUnder(this.root)) pids.add(pid);
    for (const pid of pids) {
      if (pid === process.pid || !isAlive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.removeRoot();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (which returns null when satisfied, else what is wrong) until it holds or `ms` pass; returns the last complaint. */
export async function settle(check: () => Promise<string | null> | string | null, ms = 15_000): Promise<string | null> {
  const end = Date.now() + ms;
  for (;;) {
    const wrong = await check();
    if (wrong === null || Date.now() > end) return wrong;
    await sleep(100);
  }
}
