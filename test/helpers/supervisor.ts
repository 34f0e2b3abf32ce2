/**
 * Real supervisors in temporary live directories for tests: write a source
 * directory, compile it, `s6rc init`, and clean up by pid (the supervisor
 * and every process whose working directory is inside the live directory),
 * whatever happened.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { S6RC, s6rc, tempDir, type CliResult } from './cli.js';

export interface SourceService {
  type: 'longrun' | 'oneshot' | 'bundle';
  /** longrun: the run script body (a `#!/bin/sh` line is added). */
  run?: string;
  finish?: string;
  /** oneshot: the up/down command lines (execline syntax). */
  up?: string;
  down?: string;
  dependencies?: string[];
  contents?: string[];
  notificationFd?: number;
  /** Extra files: relative path → content (mode 0644, or 0755 if it starts with #!). */
  files?: Record<string, string>;
}

export function writeSource(dir: string, services: Record<string, SourceService>): void {
  for (const [name, s] of Object.entries(services)) {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'type'), `${s.type}\n`);
    if (s.run !== undefined) writeExec(join(d, 'run'), `#!/bin/sh\n${s.run}\n`);
    if (s.finish !== undefined) writeExec(join(d, 'finish'), `#!/bin/sh\n${s.finish}\n`);
    if (s.up !== undefined) writeFileSync(join(d, 'up'), `${s.up}\n`);
    if (s.down !== undefined) writeFileSync(join(d, 'down'), `${s.down}\n`);
    if (s.notificationFd !== undefined) writeFileSync(join(d, 'notification-fd'), `${s.notificationFd}\n`);
    if (s.dependencies) writeFileSync(join(d, 'dependencies'), s.dependencies.map((x) => `${x}\n`).join(''));
    if (s.contents) writeFileSync(join(d, 'contents'), s.contents.map((x) => `${x}\n`).join(''));
    for (const [rel, content] of Object.entries(s.files ?? {})) {
      const p = join(d, rel);
      mkdirSync(join(p, '..'), { recursive: true });
      if (content.startsWith('#!')) writeExec(p, content);
      else writeFileSync(p, content);
    }
  }
}

function writeExec(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

export interface TestLive {
  root: string;
  live: string;
  compiled: string;
  /** Runs `s6rc` with `--livedir live` inserted after the subcommand. */
  run(sub: string, ...args: string[]): CliResult;
  supervisorPid(): number | null;
  /** Kills the supervisor and every process working inside the live directory, then removes everything. */
  cleanup(): void;
}

/** A live directory for `services`, tracked in `lives` (the caller's afterEach cleans it up), with `s6rc init` run on it. */
export function initLive(services: Record<string, SourceService>, lives: TestLive[]): TestLive {
  const l = makeLive(services);
  lives.push(l);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

/** Compiles `services` and returns a live directory (not yet initialised). */
export function makeLive(services: Record<string, SourceService>): TestLive {
  const t = tempDir('s6rc-sup-');
  const source = join(t.dir, 'source');
  const compiled = join(t.dir, 'compiled');
  const live = join(t.dir, 'live');
  writeSource(source, services);
  const c = s6rc(['compile', compiled, source]);
  if (c.code !== 0) {
    t.cleanup(); // nobody else holds it yet
    throw new Error(`compile failed: ${c.stderr}`);
  }
  const self: TestLive = {
    root: t.dir,
    live,
    compiled,
    run: (sub, ...args) => s6rc([sub, '--livedir', live, ...args], { env: { ...process.env, S6RC_STORE: '' } }),
    supervisorPid: () => readPid(join(live, 'pid')),
    cleanup: () => {
      killEverything(live, self.supervisorPid());
      t.cleanup();
    },
  };
  return self;
}

export function readPid(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of processes whose working directory is inside `dir` (service processes). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) pids.push(Number(entry));
    } catch {
      /* gone or not ours */
    }
  }
  return pids;
}

function killEverything(live: string, supervisor: number | null): void {
  const pids = new Set(processesUnder(live));
  if (supervisor) pids.add(supervisor);
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Polls `check` every 25 ms until it returns true, or throws after `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls an async `check` every 50 ms until it resolves true, or throws after `ms`. */
export async function untilAsync(check: () => Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The supervisor's `info` answer, straight from the socket. */
export function info(l: TestLive): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(l.live, 'control'));
    let buf = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write('{"id":1,"op":"info"}\n'));
    socket.on('data', (d) => {
      buf += d;
      if (!buf.includes('\n')) return;
      socket.destroy();
      resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))).data);
    });
  });
}

/** Starts `s6rc daemon` on the live dir in its own session, as an operator would after a crash. */
export function restartDaemon(l: TestLive): Promise<void> {
  const child = spawn(process.execPath, [S6RC, 'daemon', '-l', l.live, '-N', '3'], {
    cwd: l.live,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  child.unref();
  return new Promise<void>((resolve, reject) => {
    child.stdio[3]!.on('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`daemon exited ${code}`)));
  }).finally(() => {
    child.removeAllListeners('exit');
    (child.stdio[3] as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }) as Promise<void>;
}

export { existsSync };
