import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeSpawner } from '../../actors/service/posixSpawn.js';
import { childStream, SpawnError, spawnErrorMessage, spawnProcess } from '../../actors/service/spawnProcess.js';
import { isAlive } from '../fixtures/services.js';

const started: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 's6rc-spawn-'));
  dirs.push(d);
  return d;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

describe('the native spawner', () => {
  it('is what the supervisor uses on Linux once npm install has built it', () => {
    if (process.platform !== 'linux' || process.env.S6RC_SPAWN === 'node') return;
    // `npm install` builds build/Release/s6rc_spawn.node; CI must not silently fall back to child_process.
    expect(nativeSpawner()).not.toBeNull();
  });
});

const backends = [
  ['posix_spawn', nativeSpawner()],
  ['child_process', null],
] as const;

describe.each(backends)('spawnProcess through %s', (name, spawner) => {
  /** Spawns, reads every pipe from the start (as the supervisor does), resolves at exit with what the pipes gave. */
  const run = (file: string, args: string[], stdio: Parameters<typeof spawnProcess>[2]['stdio'], cwd = '/', more: { env?: Record<string, string>; newSession?: boolean } = {}) =>
    new Promise<Exit & { pid: number; piped: Map<number, Promise<string>> }>((resolve, reject) => {
      let spawned: ReturnType<typeof spawnProcess>;
      const exited: Exit[] = [];
      try {
        spawned = spawnProcess(file, args, { cwd, stdio, ...more }, { onExit: (code, signal) => exited.push({ code, signal }) }, spawner);
      } catch (e) {
        return reject(e);
      }
      started.push(spawned.pid);
      const piped = new Map<number, Promise<string>>();
      for (const fd of spawned.pipes.keys()) {
        const stream = childStream(spawned, fd)!;
        let text = '';
        stream.on('data', (d) => (text += d));
        piped.set(fd, new Promise((r) => stream.on('end', () => r(text))));
      }
      const wait = () => (exited.length ? resolve({ ...exited[0], pid: spawned.pid, piped }) : setTimeout(wait, 5));
      wait();
    });

  it.skipIf(name === 'posix_spawn' && spawner === null)('reports the exit code, or the signal by name', async () => {
    expect(await run('/bin/sh', ['-c', 'exit 7'], ['ignore', 'ignore', 'ignore'])).toMatchObject({ code: 7, signal: null });
    expect(await run('/bin/sh', ['-c', 'kill -TERM $$'], ['ignore', 'ignore', 'ignore'])).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('runs in cwd with the environment, stdin from /dev/null, stdout on a given fd', async () => {
    const dir = tmp();
    const out = openSync(join(dir, 'out'), 'w');
    try {
      expect(await run('/bin/sh', ['-c', 'pwd; echo "$HOME"; read line || echo eof'], ['ignore', out, 'inherit'], dir)).toMatchObject({ code: 0 });
    } finally {
      closeSync(out);
    }
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(`${dir}\n${process.env.HOME ?? ''}\neof\n`);
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('starts the child with every signal at its default', async () => {
    const dir = tmp();
    const out = openSync(join(dir, 'out'), 'w');
    try {
      // grep reads its own status, as it was started (a shell would block signals around its own forks).
      // Node ignores SIGPIPE, for one: the child must not inherit that.
      expect(await run('/bin/grep', ['-E', '^Sig(Blk|Ign)', '/proc/self/status'], ['ignore', out, 'inherit'])).toMatchObject({ code: 0 });
    } finally {
      closeSync(out);
    }
    // Signals 32 and 33 are glibc's own: posix_spawn cannot reset them, and glibc re-arms them in the child.
    const mask = (line: string) => BigInt(`0x${line.split(/\s+/)[1]}`) & 0x7fffffffn;
    const [blocked, ignored] = readFileSync(join(dir, 'out'), 'utf8').trim().split('\n');
    expect(ignored).toMatch(/^SigIgn:/);
    expect(mask(ignored)).toBe(0n);
    expect(blocked).toMatch(/^SigBlk:/);
    expect(mask(blocked)).toBe(0n);
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('gives a pipe on fd N (slots between closed) that the supervisor reads', async () => {
    const dir = tmp();
    const script = 'for fd in 3 4; do { true >&$fd; } 2>/dev/null && echo "$fd open" || echo "$fd closed"; done > fds; echo ready >&5; sleep 0.1';
    const { piped, code } = await run('/bin/sh', ['-c', script], ['ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe'], dir);
    expect(code).toBe(0);
    expect([...piped.keys()]).toEqual([5]);
    expect(await piped.get(5)).toBe('ready\n');
    expect(readFileSync(join(dir, 'fds'), 'utf8')).toBe('3 closed\n4 closed\n');
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('throws a SpawnError with the errno: missing file, not executable, missing cwd', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run'), 0o644);
    for (const [file, cwd, code] of [
      [join(dir, 'nope'), dir, 'ENOENT'],
      [join(dir, 'run'), dir, 'EACCES'],
      ['/bin/true', join(dir, 'gone'), 'ENOENT'],
    ] as const) {
      const error = await run(file, [], ['ignore', 'ignore', 'ignore'], cwd).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SpawnError);
      expect(await spawnErrorMessage(error as SpawnError)).toMatch(new RegExp(`^unable to spawn ${file}: .*\\(${code}\\)$`));
    }
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('finds a bare command name on PATH', async () => {
    const { code, pid } = await run('true', [], ['ignore', 'ignore', 'ignore']);
    expect(code).toBe(0);
    expect(isAlive(pid)).toBe(false); // reaped, not a zombie
  });

  it.skipIf(name === 'posix_spawn' && spawner === null)('newSession makes the child lead its own session and process group; env adds variables', async () => {
    const dir = tmp();
    // Fields 5 and 6 of /proc/self/stat (after the command name): the process group and the session.
    const script = 'set -- $(sed "s/.*) //" /proc/self/stat); echo "$$ $3 $4 $S6RC_SERVICE"';
    const out = join(dir, 'out');
    const fd = openSync(out, 'w');
    try {
      const inSession = await run('/bin/sh', ['-c', `${script} > ${out}.new`], ['ignore', fd, 'inherit'], dir, { newSession: true, env: { S6RC_SERVICE: 'web' } });
      expect(inSession.code).toBe(0);
      const [pid, pgrp, session, marker] = readFileSync(`${out}.new`, 'utf8').trim().split(' ');
      expect(pgrp).toBe(pid);
      expect(session).toBe(pid);
      expect(marker).toBe('web');
      // Without it, the child stays in the supervisor's process group and session.
      await run('/bin/sh', ['-c', `${script} > ${out}.old`], ['ignore', fd, 'inherit'], dir);
      const [, oldGroup, oldSession, noMarker] = readFileSync(`${out}.old`, 'utf8').trim().split(' ');
      expect(Number(oldGroup)).toBe(Number(readFileSync('/proc/self/stat', 'utf8').replace(/.*\) /, '').split(' ')[2]));
      expect(oldSession).not.toBe(session);
      expect(noMarker).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });
});
