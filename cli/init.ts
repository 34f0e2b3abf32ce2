/**
 * `s6rc init`: creates the live directory, copies the compiled database into
 * it, starts the supervisor detached and returns once it answers.
 */
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, Fatal, systemFatal } from './fatal.js';
import type { CommandSpec, ParseResult } from './options.js';
import { DEFAULT_COMPILED, liveDir } from './paths.js';
import { acquireInitLock } from './initLock.js';

export const spec: CommandSpec = {
  name: 'init',
  usage: 'init [-c compiled] [-l live] [-t timeout] [-b] [-s store]',
  summary:
    'Creates the live directory (0700), copies the compiled database into it and starts the supervisor detached, every service down. Returns once the supervisor answers on its socket.',
  options: [
    { key: 'compiled', short: 'c', kind: 'string', argName: 'compiled', help: `compiled database (default ${DEFAULT_COMPILED})` },
    { key: 'live', short: 'l', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'fail (111) if the supervisor is not ready after this many ms (default: no limit)' },
    { key: 'block', short: 'b', kind: 'flag', help: 'if another init holds this live directory, wait for it instead of failing with 111' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event store path (default: $S6RC_STORE, else <live>/events.db)' },
  ],
};

const BIN = fileURLToPath(new URL('../../bin/s6rc.js', import.meta.url));

export async function run({ values }: ParseResult): Promise<number> {
  const live = resolve(liveDir(values.live));
  const compiled = resolve((values.compiled as string | undefined) ?? DEFAULT_COMPILED);
  const { loadCompiled } = await import('../store/compiled/loadCompiled.js');
  loadCompiled(compiled); // invalid → Fatal 4 before anything is created
  const release = await acquireInitLock(live, Boolean(values.block));
  try {
    await prepareLiveDir(live);
    const target = `${live}/compiled`;
    try {
      copyFileSync(compiled, `${target}.new`);
      renameSync(`${target}.new`, target);
    } catch (err) {
      throw systemFatal(`unable to copy ${compiled} to ${target}`, err);
    }
    await startDetached(live, values.store as string | undefined, values.timeout as number | undefined);
  } finally {
    release();
  }
  return EXIT.ok;
}

/** Creates live (0700), or checks an existing one is ours and has no living supervisor. */
async function prepareLiveDir(live: string): Promise<void> {
  const { checkLiveDir } = await import('../actors/supervisor/liveDir.js');
  const { supervisorAlive } = await import('../actors/supervisor/supervisorAlive.js');
  if (existsSync(live)) {
    checkLiveDir(live);
    const pid = await supervisorAlive(live);
    if (pid !== null) throw new Fatal(EXIT.system, `a supervisor is already running on ${live}${pid > 0 ? ` (pid ${pid})` : ''}`);
    // A dead supervisor's services may still run: a new boot would orphan them.
    const { processesWorkingIn } = await import('../actors/supervisor/orphans.js');
    const orphans = processesWorkingIn(`${live}/servicedirs`);
    if (orphans.length) {
      throw new Fatal(
        EXIT.system,
        `services of a dead supervisor still run in ${live} (pids ${orphans.slice(0, 5).join(' ')}${orphans.length > 5 ? ' ...' : ''}): recover them with s6rc daemon -l ${live}, or stop them first`,
      );
    }
    return;
  }
  try {
    mkdirSync(live, { recursive: true, mode: 0o700 });
    chmodSync(live, 0o700);
  } catch (err) {
    throw systemFatal(`unable to create ${live}`, err);
  }
}

/** Spawns `s6rc daemon` in its own session, logging to supervisor.log; resolves once it wrote its readiness newline. */
async function startDetached(live: string, store: string | undefined, timeout: number | undefined): Promise<void> {
  const logPath = `${live}/supervisor.log`;
  const logFd = openSync(logPath, 'a', 0o600);
  // A small young generation keeps the supervisor's RSS low (about 20 MiB less
  // with 1000 services), and with it the cost of every fork of run scripts.
  const args = ['--max-semi-space-size=1', BIN, 'daemon', '-l', live, '-N', '3', '--new-boot', ...(store ? ['-s', resolve(store)] : [])];
  const child = spawn(process.execPath, args, { cwd: live, detached: true, stdio: ['ignore', logFd, logFd, 'pipe'] });
  closeSync(logFd);
  const readiness = child.stdio[3]!;
  try {
    await new Promise<void>((resolveReady, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (why: string) => {
        if (timer) clearTimeout(timer);
        reject(new Fatal(EXIT.system, `supervisor failed to start: ${why}${logTail(logPath)}`));
      };
      if (timeout) {
        timer = setTimeout(() => {
          if (child.pid) process.kill(child.pid, 'SIGKILL');
          fail(`not ready after ${timeout} ms`);
        }, timeout);
      }
      readiness.on('data', (chunk: Buffer) => {
        if (!chunk.includes(10)) return;
        if (timer) clearTimeout(timer);
        resolveReady();
      });
      readiness.on('error', () => {});
      child.once('error', (err) => fail(err.message));
      child.once('exit', (code, signal) => fail(signal ? `killed by ${signal}` : `exited ${code}`));
    });
  } finally {
    child.removeAllListeners('exit');
    readiness.destroy();
    child.unref();
  }
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
