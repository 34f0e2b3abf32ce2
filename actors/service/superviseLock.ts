import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Longrun } from '../../machines/model.js';

/**
 * Compatibility with s6 tools run inside a `run` script. s6-notifyoncheck
 * refuses to start ("s6-supervise not running") unless `./supervise/lock` in
 * the service directory is held with a POSIX record lock, as s6-supervise
 * does, and its polling child subscribes to the `./event` fifodir to learn
 * when the service goes down. Node has no fcntl locking, so a small helper
 * holds the lock: `s6-setlock supervise/lock sh -c 'echo; exec sleep ...'`
 * (s6 is installed whenever its tools are used); its newline says the lock is
 * held. The actor writes s6-supervise's event letters (`u`, `U`, `d`) into
 * the fifodir with `notifyFifodir`.
 *
 * Only services whose run script names an s6 tool that checks the lock get a
 * helper: one extra process per such service, none for the others.
 */
export function needsSuperviseLock(spec: Longrun): boolean {
  return spec.files.some((f) => f.path === 'run' && f.content.includes('s6-notifyoncheck'));
}

export interface SuperviseLock {
  /** Resolves once the lock is held (or the helper could not start: then s6-notifyoncheck reports it). */
  ready: Promise<void>;
  release(): void;
}

export function holdSuperviseLock(serviceDir: string): SuperviseLock {
  const dir = join(serviceDir, 'supervise');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(join(dir, 'lock'), 'a'));
  // A fifodir: subscribers (s6-ftrigrd) create fifos in it; mode 3730 as s6-supervise makes it.
  mkdirSync(join(serviceDir, 'event'), { recursive: true });
  chmodSync(join(serviceDir, 'event'), 0o3730);
  let helper: ChildProcess | null = spawn('s6-setlock', ['supervise/lock', 'sh', '-c', 'echo; exec sleep 2147483647'], {
    cwd: serviceDir,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ready = new Promise<void>((resolve) => {
    helper!.once('error', () => resolve());
    helper!.once('exit', () => resolve());
    helper!.stdout!.once('data', () => resolve());
  });
  ready.then(() => helper?.stdout?.destroy());
  return {
    ready,
    release() {
      helper?.kill('SIGKILL');
      helper = null;
    },
  };
}

/** Writes an s6 event letter to every subscriber fifo in `serviceDir/event` (like ftrigw_notify). */
export function notifyFifodir(serviceDir: string, letter: 'u' | 'U' | 'd' | 'D'): void {
  const dir = join(serviceDir, 'event');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith('ftrig1')) continue;
    try {
      const fd = openSync(join(dir, name), constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, letter);
      } finally {
        closeSync(fd);
      }
    } catch {
      // no reader (ENXIO) or gone: the subscriber left
    }
  }
}
