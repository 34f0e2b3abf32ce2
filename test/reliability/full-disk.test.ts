/**
 * A full disk (issue 13, "Full disk"): the live directory and its event log
 * on a small tmpfs, filled up by a filler file while a service crash-loops.
 * The supervisor must go on supervising (restarts, readiness seen through the
 * socket), warn once, keep what it could not write in memory and write it
 * when space returns; past its queue bound (S6RC_EVENT_QUEUE_MAX, small
 * here) it drops service events and records how many (`log.dropped`), and
 * `replay --verify` names exactly the missing seqs. Nothing committed before
 * is ever lost.
 *
 * Needs root (mount -t tmpfs); otherwise each test says why it is skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptFiles } from '../../actors/service/scriptFile.js';
import { openEventLog } from '../../store/events/open.js';
import type { EventRow } from '../../store/events/types.js';
import { S6RC, tempDir } from '../helpers/cli.js';
import { info, makeLive, processesUnder, until, untilAsync, type SourceService, type TestLive } from '../helpers/supervisor.js';
import { budget, timeout } from './budget.js';

/** Why mounting a tmpfs is not possible here, or null when it is. */
function cannotMount(): string | null {
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `mount -t tmpfs is not permitted here (${probe.stderr.trim() || `exit ${probe.status}`}): the full-disk harness needs root`;
}
const skipReason = cannotMount();
if (skipReason) process.stdout.write(`reliability full-disk: skipped: ${skipReason}\n`);

interface Mounted {
  live: TestLive;
  daemon: ChildProcess;
  /** Everything the supervisor wrote on stderr so far, one line each. */
  stderr: string[];
  filler: string;
}

const started: Mounted[] = [];
const mounts: string[] = [];

afterEach(() => {
  // Everything started, by pid (the supervisor, then whatever runs in the live directory), then the mount, then the files.
  for (const m of started.splice(0)) {
    if (m.daemon.pid) killPid(m.daemon.pid);
    for (const pid of processesUnder(m.live.live)) killPid(pid);
  }
  for (const dir of mounts.splice(0)) {
    for (let i = 0; i < 50; i++) {
      for (const pid of processesUnder(dir)) killPid(pid);
      if (spawnSync('umount', [dir]).status === 0) break;
      spawnSync('sleep', ['0.1']);
    }
  }
  while (lives.length) lives.pop()!.cleanup();
});
const lives: TestLive[] = [];

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** A longrun that is ready at once, then crashes after a moment, forever (restarted at most once a second). */
const FLAPPY: SourceService = { type: 'longrun', notificationFd: 3, run: 'echo >&3\nsleep 0.3\nexit 3' };
const SERVICES: Record<string, SourceService> = {
  flappy: FLAPPY,
  steady: { type: 'longrun', run: 'exec sleep 100000' },
  setup: { type: 'oneshot', up: 'true', down: 'true' },
  prepare: { type: 'oneshot', up: '#!/bin/sh\nexit 0', down: '#!/bin/sh\nexit 0' },
};

/** The live directory on its own tmpfs of `sizeKiB`, and a supervisor on it with `env`, stderr captured. */
async function mountedSupervisor(sizeKiB: number, env: Record<string, string>): Promise<Mounted> {
  const live = makeLive(SERVICES);
  lives.push(live);
  mkdirSync(live.live, { mode: 0o700 });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0700`, 'tmpfs', live.live], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`mount failed: ${mount.stderr}`);
  mounts.push(live.live);
  // What `init` prepares, then the daemon it starts, but with stderr to us: on a full disk, supervisor.log cannot take the warning.
  copyFileSync(live.compiled, join(live.live, 'compiled'));
  const daemon = spawn(process.execPath, [S6RC, 'daemon', '-l', live.live, '-N', '3', '--new-boot'], {
    cwd: live.live,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, S6RC_STORE: '', ...env },
  });
  const m: Mounted = { live, daemon, stderr: [], filler: join(live.live, 'filler') };
  started.push(m);
  let partial = '';
  daemon.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    m.stderr.push(...lines);
  });
  await new Promise<void>((resolve, reject) => {
    daemon.stdio[3]!.once('data', () => resolve());
    daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${m.stderr.join('\n')}`)));
  });
  daemon.removeAllListeners('exit');
  return m;
}

/** Fills the file system of `path` to the last byte with `path` itself. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x55);
  let written = 0;
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      for (;;) {
        try {
          written += writeSync(fd, chunk, 0, size);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const status = (m: Mounted, name: string) => {
  const r = m.live.run('status', '--json', name);
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout)[0] as { state: string; pid: number | null };
};

/** Waits until `flappy` has been seen ready (through the socket) under `n` different pids; returns them. */
async function readyRestarts(m: Mounted, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  await until(
    () => {
      const s = status(m, 'flappy');
      if (s.state === 'ready' && s.pid !== null) seen.add(s.pid);
      return seen.size >= n;
    },
    60_000,
    `flappy to be restarted and seen ready ${n} times`,
  );
  return seen;
}

/** The committed log, read-only, as another process reads it. */
function committed(m: Mounted): { events: EventRow[]; gaps: { first: number; last: number }[] } {
  const log = openEventLog(join(m.live.live, 'events.db'));
  try {
    return { events: log.history(), gaps: log.gaps() };
  } finally {
    log.close();
  }
}

const storeHealth = async (m: Mounted) => (await info(m.live)).eventStore as { pending: number; failedCommits: number; dropped: number };

const warnings = (m: Mounted, what: RegExp) => m.stderr.filter((l) => what.test(l));

/** Every row committed before the disk filled is still there, byte for byte. */
function expectKept(before: EventRow[], after: EventRow[]): void {
  const bySeq = new Map(after.map((e) => [e.seq, e]));
  for (const e of before) expect(bySeq.get(e.seq)).toEqual(e);
}

describe.skipIf(skipReason !== null)('full disk', () => {
  it(
    'keeps supervising on a full disk, warns once, and writes the queued events in order when space returns',
    async () => {
      const m = await mountedSupervisor(8192, {});
      expect(m.live.run('change', '-u', 'flappy', 'steady').code).toBe(0);
      await readyRestarts(m, 2);
      const before = committed(m).events;
      expect(fill(m.filler)).toBeGreaterThan(0);
      await until(() => warnings(m, /cannot commit/).length > 0, 30_000, 'the write-failure warning');
      // What the store freed since (an idle checkpoint truncates the WAL) is taken too: the disk stays full.
      fill(`${m.filler}2`);
      const atFailure = committed(m).events;
      // Supervision goes on: restarts happen and readiness is seen, through the socket.
      const pids = await readyRestarts(m, 4);
      // `info` says the store is not writing, even where supervisor.log could not.
      await untilAsync(async () => { const h = await storeHealth(m); return h.failedCommits > 0 && h.pending > 0 && h.dropped === 0; }, 30_000, 'info to report failing commits');
      // A change while the disk is full: the oneshots still run (one from a #! script the supervisor writes out), the client gets its answer.
      fill(`${m.filler}3`);
      const change = m.live.run('change', '-u', 'setup', 'prepare');
      expect(change.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(change.code).toBe(0);
      expect(status(m, 'steady').state).toBe('ready');
      expect(status(m, 'prepare').state).toBe('ready');
      // Space returns: what was queued is written, in order, with nothing committed lost.
      unlinkSync(m.filler);
      unlinkSync(`${m.filler}2`);
      unlinkSync(`${m.filler}3`);
      // The crash loop stops; once its live.down is committed, so is everything queued before it: commits keep the
      // order of the queue.
      expect(m.live.run('change', '-d', 'flappy').code).toBe(0);
      await until(() => committed(m).events.some((e) => e.service === 'flappy' && e.type === 'live.down'), 30_000, 'the queued events to be written');
      const after = committed(m);
      expectKept(before, after.events);
      expectKept(atFailure, after.events);
      expect(after.gaps).toEqual([]);
      const seqs = after.events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const spawnedPids = new Set(after.events.filter((e) => e.service === 'flappy' && e.type === 'run.spawned').map((e) => e.payload.pid));
      for (const pid of pids) expect(spawnedPids.has(pid)).toBe(true);
      expect(await storeHealth(m)).toEqual({ pending: 0, failedCommits: 0, dropped: 0 });
      for (const oneshot of ['setup', 'prepare']) expect(after.events.some((e) => e.service === oneshot && e.type === 'live.up')).toBe(true);
      // The write failure was reported once, as a warning, and nothing was dropped.
      expect(warnings(m, /cannot commit/)).toHaveLength(1);
      expect(warnings(m, /cannot commit/)[0]).toMatch(/^s6rc: warning: event store .*events\.db: cannot commit: SQLITE_FULL: .*; keeping \d+ queued writes in memory and retrying every 1s$/);
      expect(warnings(m, /dropp/)).toEqual([]);
      expect(m.stderr.filter((l) => /fatal|Error|^\s+at /.test(l))).toEqual([]);
      const verify = m.live.run('replay', '--verify');
      expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor/);
      expect(verify.code).toBe(0);
    },
    timeout(180_000),
  );

  it(
    'past the queue bound drops service events, records how many, and replay --verify names exactly what is missing',
    async () => {
      const { seed, numRuns } = budget('full-disk', { short: 1, long: 8 });
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 5, max: 40 }), fc.integer({ min: 2, max: 4 }), async (bound, crashesPast) => {
          const m = await mountedSupervisor(8192, { S6RC_EVENT_QUEUE_MAX: String(bound) });
          try {
            expect(m.live.run('change', '-u', 'flappy', 'steady').code).toBe(0);
            await readyRestarts(m, 1);
            const before = committed(m).events;
            fill(m.filler);
            await until(() => warnings(m, /cannot commit/).length > 0, 30_000, 'the write-failure warning');
            fill(`${m.filler}2`);
            await until(() => warnings(m, /dropping service events/).length > 0, 60_000, 'the queue to reach its bound');
            // Supervision goes on past the bound, and `info` counts what it drops.
            await readyRestarts(m, crashesPast);
            await untilAsync(async () => (await storeHealth(m)).dropped > 0, 30_000, 'info to count dropped events');
            expect(status(m, 'steady').state).toBe('ready');
            unlinkSync(m.filler);
            unlinkSync(`${m.filler}2`);
            await until(() => warnings(m, /were dropped while it could not write/).length > 0, 30_000, 'the drop to be recorded');
            const after = committed(m);
            expectKept(before, after.events);
            const records = after.events.filter((e) => e.type === 'log.dropped');
            expect(records).toHaveLength(1);
            const d = records[0].payload as { count: number; firstSeq: number; lastSeq: number };
            expect(d.count).toBeGreaterThan(0);
            // Exactly the dropped seqs are missing: the gaps lie inside the record's range and add up to its count.
            const missing = after.gaps.reduce((n, g) => n + g.last - g.first + 1, 0);
            expect(missing).toBe(d.count);
            for (const g of after.gaps) expect(g.first >= d.firstSeq && g.last <= d.lastSeq).toBe(true);
            expect(warnings(m, /cannot commit/)).toHaveLength(1);
            expect(warnings(m, /dropping service events/)).toHaveLength(1);
            expect(warnings(m, /were dropped/)[0]).toContain(`${d.count} events (seq ${d.firstSeq}-${d.lastSeq}) were dropped`);
            // Replay folds past the gap from the record: it still matches the projection and the supervisor (the crash loop
            // goes on), and says what is missing.
            const verify = m.live.run('replay', '--verify');
            expect(verify.stderr).toContain(`s6rc: warning: missing: ${d.count} service events in seq ${d.firstSeq}-${d.lastSeq}, dropped while the event store could not write`);
            expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor/);
            expect(verify.code).toBe(0);
          } finally {
            // Each run leaves nothing behind for the next.
            for (const s of started.splice(0)) {
              if (s.daemon.pid) killPid(s.daemon.pid);
              for (const pid of processesUnder(s.live.live)) killPid(pid);
            }
            for (const dir of mounts.splice(0)) {
              await until(() => (processesUnder(dir).forEach(killPid), spawnSync('umount', [dir]).status === 0), 10_000, `umount ${dir}`);
            }
            while (lives.length) lives.pop()!.cleanup();
          }
        }),
        { seed, numRuns, endOnFailure: true },
      );
    },
    timeout(240_000),
  );

  // Found by the first test's design: a oneshot whose up is a #! script failed ("unable to write the up script:
  // ENOSPC") on a full live directory. Its scripts now spill to the system's temporary directory.
  it('writes a oneshot script elsewhere when the live directory is full', () => {
    const dir = tempDir('s6rc-full-');
    const t = { live: join(dir.dir, 'live') };
    lives.push({ cleanup: dir.cleanup } as TestLive);
    mkdirSync(t.live);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', t.live]).status).toBe(0);
    mounts.push(t.live);
    const files = new ScriptFiles(join(t.live, 'scripts'));
    try {
      fill(join(t.live, 'filler'));
      const script = files.write('svc-up', '#!/bin/sh\necho spilled\n');
      expect(script.path.startsWith(t.live)).toBe(false);
      expect(spawnSync(script.path, { encoding: 'utf8' }).stdout).toBe('spilled\n');
      expect(readdirSync(join(t.live, 'scripts'))).toEqual([]);
      script.remove();
    } finally {
      files.close();
    }
  });
});
