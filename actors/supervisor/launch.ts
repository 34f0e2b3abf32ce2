/**
 * What `init` and `boot` share: preparing a live directory and starting
 * `s6rc daemon` on it, ready when it writes its readiness newline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, Fatal, systemFatal } from '../../machines/errors.js';
import { checkEventLog } from '../../store/events/check.js';
import { checkLiveDir } from './liveDir.js';
import { serviceProcesses } from './orphans.js';
import { storeLocation } from './storeLocation.js';
import { supervisorAlive } from './supervisorAlive.js';

/**
 * bin/s6rc.cjs: from this ES module in dist/actors/supervisor/, or from the
 * CommonJS bundle dist/lifecycle.cjs (where esbuild leaves `import.meta` empty).
 */
function binPath(): string {
  const url = import.meta.url as string | undefined;
  return url ? fileURLToPath(new URL('../../../bin/s6rc.cjs', url)) : join(__dirname, '../bin/s6rc.cjs');
}

/**
 * The pid of the supervisor running on `live` (0 when it answers but its pid
 * is unknown), or null when none runs there or `live` does not exist. An
 * existing live directory that is not ours is refused first (Fatal 111).
 */
export async function runningSupervisor(live: string): Promise<number | null> {
  if (!existsSync(live)) return null;
  checkLiveDir(live);
  return supervisorAlive(live);
}

/**
 * Creates live (0700), or checks an existing one is ours, has no living
 * supervisor and no orphaned services; checks that the event log the
 * supervisor will open (`store`, `-s`) is absent or readable, so a bad one
 * stops `init` before it creates or starts anything; then copies the
 * compiled database in.
 *
 * @example
 *   await prepareLiveDir('/run/s6rc', '/etc/s6rc/compiled');
 */
export async function prepareLiveDir(live: string, compiled: string, store?: string): Promise<void> {
  const existed = existsSync(live);
  if (existed) {
    const pid = await runningSupervisor(live);
    if (pid !== null) throw new Fatal(EXIT.system, `a supervisor is already running on ${live}${pid > 0 ? ` (pid ${pid})` : ''}`);
    // A dead supervisor's services may still run: a new boot would orphan them.
    const orphans = serviceProcesses(live);
    if (orphans.length) {
      throw new Fatal(
        EXIT.system,
        `services of a dead supervisor still run in ${live} (pids ${orphans.slice(0, 5).join(' ')}${orphans.length > 5 ? ' ...' : ''}): recover them with s6rc daemon -l ${live}, or stop them first`,
      );
    }
  }
  const log = storeLocation(live, store);
  try {
    checkEventLog(log);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw systemFatal(`unable to open the event store ${log}`, err);
  }
  if (!existed) {
    try {
      mkdirSync(live, { recursive: true, mode: 0o700 });
      chmodSync(live, 0o700);
    } catch (err) {
      throw systemFatal(`unable to create ${live}`, err);
    }
  }
  const target = join(live, 'compiled');
  try {
    // Byte for byte: the database's header proves it was never written after compile.
    copyFileSync(compiled, `${target}.new`);
    renameSync(`${target}.new`, target);
  } catch (err) {
    throw systemFatal(`unable to copy ${compiled} to ${target}`, err);
  }
}

export interface LaunchOptions {
  /** Event store path (`-s`); default `<live>/events.db` or `$S6RC_STORE`. */
  store?: string;
  /** ms to wait for readiness; the daemon is killed and 111 reported after it. */
  timeout?: number;
  /** `--metrics ADDR:PORT` for the daemon (checked by the caller). */
  metrics?: string;
}

/**
 * Spawns `s6rc daemon -l live --new-boot` in its own session (so a terminal's
 * Ctrl-C reaches only the caller), output appended to `<live>/supervisor.log`,
 * and resolves with the child once it wrote its readiness newline on fd 3.
 * `init` unrefs the child and exits; `boot` keeps it.
 */
export async function launchSupervisor(live: string, options: LaunchOptions = {}): Promise<ChildProcess> {
  const logPath = join(live, 'supervisor.log');
  const logFd = openSync(logPath, 'a', 0o600);
  // A small young generation keeps the supervisor's RSS low, and with it the cost of
  // every fork of run scripts; a 6x tiering budget leaves V8's optimizing compiler
  // untouched (its code unpaged) until something really runs hot, such as a burst
  // of hundreds of transitions (figures: docs/PERFORMANCE.md, "Start-up").
  const args = ['--max-semi-space-size=1', `--interrupt-budget=${6 * 132 * 1024}`, binPath(), 'daemon', '-l', live, '-N', '3', '--new-boot', ...(options.store ? ['-s', resolve(options.store)] : []), ...(options.metrics ? ['--metrics', options.metrics] : [])];
  const child = spawn(process.execPath, args, { cwd: live, detached: true, stdio: ['ignore', logFd, logFd, 'pipe'] });
  closeSync(logFd);
  const readiness = child.stdio[3]!;
  try {
    await new Promise<void>((ready, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (why: string) => {
        if (timer) clearTimeout(timer);
        reject(new Fatal(EXIT.system, `supervisor failed to start: ${why}${logTail(logPath)}`));
      };
      if (options.timeout) {
        timer = setTimeout(() => {
          if (child.pid) process.kill(child.pid, 'SIGKILL');
          fail(`not ready after ${options.timeout} ms`);
        }, options.timeout);
      }
      readiness.on('data', (chunk: Buffer) => {
        if (!chunk.includes(10)) return;
        if (timer) clearTimeout(timer);
        ready();
      });
      readiness.on('error', () => {});
      child.once('error', (err) => fail(err.message));
      child.once('exit', (code, signal) => fail(signal ? `killed by ${signal}` : `exited ${code}`));
    });
  } finally {
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    readiness.destroy();
  }
  return child;
}

/** The last lines the supervisor logged, to explain why it failed. */
function logTail(path: string): string {
  try {
    if (statSync(path).size === 0) return '';
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-3);
    return ` (supervisor.log: ${lines.join(' | ')})`;
  } catch {
    return '';
  }
}
