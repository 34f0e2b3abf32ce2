import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeCompiled } from '../../store/compiled/writeCompiled.js';
import { openEventStore } from '../../store/events/open.js';
import { isAlive, makeLive, until, type TestLive } from '../helpers/supervisor.js';
import { s6rc, tempDir } from '../helpers/cli.js';
import { webstackModel } from './fixtures/model.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function stack(): TestLive {
  const t = makeLive({
    db: { type: 'longrun', run: 'printf "ok\\n" >&3; exec sleep 1000', notificationFd: 3 },
    setup: { type: 'oneshot', up: 'true', dependencies: ['db'] },
    app: { type: 'longrun', run: 'exec sleep 1000', dependencies: ['setup'] },
    broken: { type: 'oneshot', up: '/bin/sh -c "exit 3"' },
  });
  cleanups.push(() => {
    t.run('shutdown');
    t.cleanup();
  });
  return t;
}

const table = (out: string) =>
  Object.fromEntries(
    out
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/))
      .map(([name, type, state, live]) => [name, { type, state, live }]),
  );

describe('s6rc replay', () => {
  it('folds the log of a real supervisor into the same states, and --verify agrees with projection and supervisor', () => {
    const t = stack();
    expect(t.run('init', '-c', t.compiled).code).toBe(0);
    const change = s6rc(['-l', t.live, '-u', 'change', 'app', 'broken']);
    expect(change.code).toBe(1);
    const r = t.run('replay');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^state at seq \d+ \(.*\), boot 1: folded \d+ events from the first event$/);
    expect(table(r.stdout)).toEqual({
      app: { type: 'longrun', state: 'ready', live: 'up' },
      broken: { type: 'oneshot', state: 'failed', live: 'down' },
      db: { type: 'longrun', state: 'ready', live: 'up' },
      setup: { type: 'oneshot', state: 'ready', live: 'up' },
    });
    const v = t.run('replay', '--verify');
    expect(v.stderr).toBe('s6rc: info: replay matches the stored projection and the running supervisor\n');
    expect(v.code).toBe(0);
  });

  it('--at shows the state at an earlier point, by sequence number or time', () => {
    const t = stack();
    expect(t.run('init', '-c', t.compiled).code).toBe(0);
    expect(s6rc(['-l', t.live, '-u', 'change', 'db']).code).toBe(0);
    const events = t.run('history', '--json').stdout.trim().split('\n').map((l) => JSON.parse(l));
    const spawned = events.find((e) => e.service === 'db' && e.to === 'up-unready');
    expect(spawned).toBeDefined();
    const mid = t.run('replay', '--at', String(spawned.seq), '--json');
    expect(mid.code).toBe(0);
    const j = JSON.parse(mid.stdout);
    expect(j).toMatchObject({ seq: spawned.seq, services: { db: 'up-unready' }, live: [] });
    const byTime = JSON.parse(t.run('replay', '--at', spawned.time, '--json').stdout);
    expect(byTime.seq).toBeGreaterThanOrEqual(spawned.seq);
    const now = JSON.parse(t.run('replay', '--json').stdout);
    expect(now).toMatchObject({ services: { db: 'ready' }, live: ['db'] });
  });

  it('--verify exits 1 naming each mismatch with the projection', async () => {
    const t = stack();
    expect(t.run('init', '-c', t.compiled).code).toBe(0);
    expect(s6rc(['-l', t.live, '-u', 'change', 'app']).code).toBe(0);
    const pid = t.supervisorPid()!;
    expect(t.run('shutdown').code).toBe(0);
    await until(() => !isAlive(pid), 10_000, 'the supervisor to exit');
    // Someone edits the projections behind the log's back.
    const db = new Database(join(t.live, 'events.db'));
    db.prepare("UPDATE actor_state SET state = 'failed' WHERE service = 'setup'").run();
    db.prepare("INSERT OR REPLACE INTO live_state (service, up, seq) VALUES ('broken', 1, 1)").run();
    db.close();
    const v = t.run('replay', '--verify');
    expect(v.code).toBe(1);
    const lines = v.stderr.trim().split('\n');
    expect(lines).toContain('s6rc: warning: mismatch: service setup: replay says down, the projection says failed');
    expect(lines).toContain('s6rc: warning: mismatch: live state: the projection has broken up, replay has it down');
    expect(lines[lines.length - 1]).toBe('s6rc: fatal: replay does not match: 2 mismatches');
  });

  it('stores checkpoints while folding a long log and starts later replays from the newest one', () => {
    const t = tempDir('s6rc-replay-');
    cleanups.push(t.cleanup);
    const live = join(t.dir, 'live');
    mkdirSync(live, { mode: 0o700 });
    writeCompiled(webstackModel(), join(live, 'compiled'));
    const store = openEventStore(join(live, 'events.db'));
    store.startBoot(live, join(live, 'compiled'), 1_000);
    let time = 2_000;
    // 120,000 events: db cycles up → up-unready → ready → stopping → down.
    for (let cycle = 0; cycle < 24_000; cycle++) {
      const pid = 10_000 + cycle;
      store.append([
        { type: 'up', service: 'db', time: ++time, from: 'down', to: 'starting', payload: { time, changeId: null } },
        { type: 'run.spawned', service: 'db', time: ++time, from: 'starting', to: 'up-unready', payload: { time, pid, startTime: '7' } },
        { type: 'readiness.notified', service: 'db', time: ++time, from: 'up-unready', to: 'ready', payload: { time, via: 'fd' } },
        { type: 'down', service: 'db', time: ++time, from: 'ready', to: 'stopping', payload: { time, changeId: null } },
        { type: 'run.exited', service: 'db', time: ++time, from: 'stopping', to: 'down', payload: { time, pid, code: 0, signal: null } },
      ]);
      if (cycle % 5000 === 0) store.flush();
    }
    store.append([{ type: 'up', service: 'db', time: ++time, from: 'down', to: 'starting', payload: { time, changeId: null } }]);
    store.setLive('migrate', true, null, ++time);
    store.flush();
    store.close();

    const first = JSON.parse(s6rc(['replay', '-l', live, '--json']).stdout);
    expect(first).toMatchObject({ seq: 120_002, fromCheckpoint: null, eventsRead: 120_002, checkpointsWritten: 2, services: { db: 'starting' }, live: ['migrate'] });
    const second = JSON.parse(s6rc(['replay', '-l', live, '--json']).stdout);
    expect(second).toMatchObject({ seq: 120_002, fromCheckpoint: 100_000, eventsRead: 20_002, checkpointsWritten: 0 });
    expect(second.services).toEqual(first.services);
    const middle = JSON.parse(s6rc(['replay', '-l', live, '--json', '--at', '75003']).stdout);
    expect(middle).toMatchObject({ fromCheckpoint: 50_000, eventsRead: 25_003, services: { db: 'ready' } });
    const verify = s6rc(['replay', '-l', live, '--verify']);
    expect(verify.stderr).toBe('s6rc: info: replay matches the stored projection (no supervisor running to compare with)\n');
  });

  it('bad input: --at garbage is 100, --verify with --at is 100, no log is 111, a corrupted log or no compiled database is 4', () => {
    const t = stack();
    expect(t.run('init', '-c', t.compiled).code).toBe(0);
    expect(t.run('replay', '--at', 'soon').code).toBe(100);
    expect(t.run('replay', '--at', '3', '--verify').code).toBe(100);
    const none = s6rc(['replay', '-l', join(t.root, 'nowhere')]);
    expect(none.code).toBe(111);
    expect(none.stderr).toMatch(/^s6rc: fatal: unable to open event log .*nowhere\/events\.db: no such file .*\n$/);
    // Copied once the supervisor is gone: while it runs, recent pages live in events.db-wal, not in events.db.
    expect(t.run('shutdown').code).toBe(0);
    const copy = join(t.root, 'copy');
    mkdirSync(copy);
    copyFileSync(join(t.live, 'events.db'), join(copy, 'events.db'));
    const noCompiled = s6rc(['replay', '-l', copy]);
    expect(noCompiled.code).toBe(4);
    expect(noCompiled.stderr).toMatch(/^s6rc: fatal: unable to read compiled database .*\n$/);
    const corrupt = join(t.root, 'corrupt');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'events.db'), Buffer.alloc(8192, 7));
    for (const cmd of ['replay', 'plot', 'history']) {
      const r = s6rc([cmd, '-l', corrupt]);
      expect(r.code).toBe(4);
      // Readers run the writer's checks (store/events/check.ts): the same line as init's.
      expect(r.stderr).toMatch(/^s6rc: fatal: invalid event log .*corrupt\/events\.db: not an SQLite database \(move it aside to start a new log\)\n$/);
    }
  });

  // Found by the full-disk harness: with a service crash-looping, --verify compared the supervisor's answer with a
  // fold of the log read a moment later, and reported the restart in between as a mismatch. The answer now carries
  // its seq and is compared with the fold at that seq.
  it('--verify matches a running supervisor while a service crash-loops', () => {
    const t = makeLive({ flappy: { type: 'longrun', notificationFd: 3, run: 'echo >&3\nsleep 0.1\nexit 1' } });
    cleanups.push(() => {
      t.run('shutdown');
      t.cleanup();
    });
    expect(t.run('init', '-c', t.compiled).code).toBe(0);
    expect(t.run('change', '-u', 'flappy').code).toBe(0);
    for (let i = 0; i < 8; i++) {
      const verify = t.run('replay', '--verify');
      expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor\n$/);
      expect(verify.code).toBe(0);
    }
  }, 120_000);
});
