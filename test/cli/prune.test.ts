/**
 * `s6rc history --prune-before T`: the events older than T go, beside a
 * running supervisor or without one; the live projection, status and replay
 * (from the checkpoint written at the cut) are unaffected, and the prune is
 * in the log as `log.pruned`.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { initLive, restartDaemon, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

const SERVICES: Record<string, SourceService> = {
  db: { type: 'longrun', run: 'exec sleep 100000' },
  migrate: { type: 'oneshot', up: 'true', down: 'true', dependencies: ['db'] },
  web: { type: 'longrun', notificationFd: 3, run: 'echo >&3\nexec sleep 100000', dependencies: ['migrate'] },
};

const events = (l: TestLive) =>
  l
    .run('history', '--json')
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { seq: number; time: string; change: number | null; event: string; service: string | null; payload: Record<string, unknown> });

const fold = (l: TestLive) => {
  const r = l.run('replay', '--json');
  expect(r.code).toBe(0);
  const { services, live } = JSON.parse(r.stdout) as { services: unknown; live: string[] };
  return { services, live };
};

const statuses = (l: TestLive) => (JSON.parse(l.run('status', '--json').stdout) as { name: string; state: string; pid: number | null }[]).map((s) => [s.name, s.state, s.pid]);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A few up/down cycles, then a moment T, then the stack brought up again. */
async function historyAcrossT(l: TestLive): Promise<string> {
  for (let i = 0; i < 3; i++) {
    expect(l.run('change', '-u', 'web').code).toBe(0);
    expect(l.run('change', '-d', 'db').code).toBe(0);
  }
  await pause(50);
  const t = new Date().toISOString();
  await pause(50);
  expect(l.run('change', '-u', 'web').code).toBe(0);
  return t;
}

describe('s6rc history --prune-before', () => {
  it('deletes the events before T beside a running supervisor; status, the live state and replay are untouched', async () => {
    const l = initLive(SERVICES, lives);
    const t = await historyAcrossT(l);
    const before = events(l);
    const foldBefore = fold(l);
    const statusBefore = statuses(l);
    const firstKept = before.find((e) => Date.parse(e.time) >= Date.parse(t))!.seq;

    const r = l.run('history', '--prune-before', t);
    expect(r.stderr).toMatch(new RegExp(`^s6rc: info: pruned ${firstKept - 1} events up to seq ${firstKept - 1}, \\d+ checkpoints and \\d+ ended changes; replay starts from the checkpoint at seq ${firstKept - 1}\\n$`));
    expect(r.code).toBe(0);

    const after = events(l);
    // Exactly the events before T went; the rest are there as they were, then the record.
    expect(after.slice(0, -1)).toEqual(before.filter((e) => e.seq >= firstKept));
    const record = after.at(-1)!;
    expect(record.event).toBe('log.pruned');
    expect(record.payload).toMatchObject({ cut: firstKept - 1, events: firstKept - 1, before: Date.parse(t) });
    expect(statuses(l)).toEqual(statusBefore);
    expect(fold(l)).toEqual(foldBefore);
    const verify = l.run('replay', '--verify');
    expect(verify.stderr).toContain(`s6rc: info: events up to seq ${firstKept - 1} were pruned (history --prune-before; log.pruned at seq ${record.seq})`);
    expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor\n$/);
    expect(verify.code).toBe(0);

    // The change that ended before T is gone from --changes; later ones stay.
    const changes = l.run('history', '--changes', '--json').stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number });
    expect(changes).toHaveLength(1);

    // Life goes on after it: more changes, and replay still matches.
    expect(l.run('change', '-d', 'db').code).toBe(0);
    expect(l.run('change', '-u', 'web').code).toBe(0);
    expect(l.run('replay', '--verify').code).toBe(0);
    // Folding to before the cut is refused, saying why.
    const early = l.run('replay', '--at', '1');
    expect(early.stderr).toBe(`s6rc: fatal: seq 1 was pruned from the log: replay can start at seq ${firstKept - 1} (history --prune-before)\n`);
    expect(early.code).toBe(100);
  });

  it('prunes with no supervisor running, and a supervisor started afterwards goes on from the record', async () => {
    const l = initLive(SERVICES, lives);
    const t = await historyAcrossT(l);
    const foldBefore = fold(l);
    // A supervisor killed outright: its services run on, the log has no writer.
    process.kill(l.supervisorPid()!, 'SIGKILL');
    const r = l.run('history', '--prune-before', t, '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { cut: number; events: number };
    expect(result.events).toBe(result.cut);
    expect(events(l).at(-1)!.event).toBe('log.pruned');
    expect(fold(l)).toEqual(foldBefore);
    // The recovering supervisor takes the next seq after the record.
    await restartDaemon(l);
    expect(l.run('change', '-d', 'db').code).toBe(0);
    const seqs = events(l).map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    const verify = l.run('replay', '--verify');
    expect(verify.stderr).toMatch(/replay matches the stored projection and the running supervisor\n$/);
    expect(verify.code).toBe(0);
    const db = new Database(join(l.live, 'events.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT MIN(seq) AS s FROM checkpoints').get()).toEqual({ s: result.cut });
    } finally {
      db.close();
    }
  });

  it('keeps the events of a change still open, and says when nothing is old enough', async () => {
    const l = initLive(SERVICES, lives);
    await historyAcrossT(l);
    const r = l.run('history', '--prune-before', '2000-01-01T00:00:00Z');
    expect(r.stderr).toBe('s6rc: info: nothing to prune: no event is older than that\n');
    expect(r.code).toBe(0);
    // A change left open by a dead supervisor: its events stay whatever T says.
    const store = new Database(join(l.live, 'events.db'));
    try {
      store.prepare('UPDATE changes SET ended = NULL WHERE id = 2').run();
    } finally {
      store.close();
    }
    const firstOfChange2 = events(l).find((e) => e.change === 2)!.seq;
    expect(l.run('history', '--prune-before', '0s').code).toBe(0);
    expect(events(l)[0].seq).toBe(firstOfChange2);
  });

  it('refuses a bad T, and other options, with one line and exit 100', () => {
    const l = initLive(SERVICES, lives);
    for (const [args, message] of [
      [['--prune-before', 'yesterday'], "option --prune-before expects an ISO time or a duration such as 10m, got 'yesterday'"],
      [['--prune-before', '1h', '--follow'], 'option --prune-before excludes --follow'],
      [['--prune-before', '1h', '--service', 'db'], 'option --prune-before excludes --service'],
    ] as const) {
      const r = l.run('history', ...args);
      expect(r.code).toBe(100);
      expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(usage: s6rc history .*\\)\n$`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
