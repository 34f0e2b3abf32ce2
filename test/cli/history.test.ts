import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEventStore } from '../../store/events/open.js';
import { S6RC, s6rc } from '../helpers/cli.js';
import { webstackLive } from './fixtures/liveDir.js';

let fx: ReturnType<typeof webstackLive>;
beforeEach(() => {
  fx = webstackLive();
});
afterEach(() => fx.cleanup());

describe('s6rc history', () => {
  it('prints a table with time, change, service, from → to and the cause', () => {
    const r = s6rc(['history', '-l', fx.live]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+CHANGE\s+SERVICE\s+FROM → TO\s+EVENT\s+CAUSE$/);
    const failed = lines.find((l) => l.includes('cache-warm') && l.includes('→ failed'))!;
    expect(failed).toMatch(/starting → failed\s+script\.exited\s+exit 3, by change 1 \(tester\)/);
    expect(lines.find((l) => l.includes('api ') && l.includes('stopping → down'))).toMatch(/signal SIGTERM, by change 2 \(root\)/);
    expect(lines.some((l) => /db\s+up-unready → ready\s+readiness\.notified\s+readiness/.test(l))).toBe(true);
  });

  it('--json prints NDJSON with stable field names', () => {
    const r = s6rc(['history', '-l', fx.live, '--json', '--service', 'db']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.event, x.to])).toEqual([['up', 'starting'], ['run.spawned', 'up-unready'], ['readiness.notified', 'ready'], ['live.up', null]]);
    expect(Object.keys(rows[0])).toEqual(['seq', 'time', 'boot', 'change', 'user', 'service', 'event', 'from', 'to', 'payload']);
    expect(rows[0]).toMatchObject({ boot: 1, change: 1, user: 'tester', service: 'db', event: 'up', from: 'down' });
    expect(rows[0].time).toBe('2026-11-22T03:00:00.005Z');
  });

  it('filters by change, time window and limit (the last N, oldest first)', () => {
    const byChange = s6rc(['history', '-l', fx.live, '--json', '--change', '2']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(byChange.map((x) => x.change))).toEqual(new Set([2]));
    expect(byChange[0].event).toBe('change.started');
    const last2 = s6rc(['history', '-l', fx.live, '--json', '--limit', '2']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(last2.map((x) => x.event)).toEqual(['live.down', 'change.ended']);
    expect(last2[0].seq).toBeLessThan(last2[1].seq);
    const window = s6rc(['history', '-l', fx.live, '--json', '--since', '2026-11-22T03:00:00.400Z', '--until', '2026-11-22T03:00:00.700Z']);
    const times = window.stdout.trim().split('\n').map((l) => Date.parse(JSON.parse(l).time));
    expect(times.length).toBeGreaterThan(2);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(Date.parse('2026-11-22T03:00:00.400Z'));
    for (const t of times) expect(t).toBeLessThanOrEqual(Date.parse('2026-11-22T03:00:00.700Z'));
    // Relative: the fixture is in the past relative to "1 minute ago"... unless the clock is before 2026-11-22.
    const recent = s6rc(['history', '-l', fx.live, '--since', '1m', '--json']);
    expect(recent.code).toBe(0);
  });

  it('--changes lists each change invocation', () => {
    const r = s6rc(['history', '-l', fx.live, '--changes']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+BOOT\s+STARTED\s+DURATION\s+EXIT\s+DONE\s+FAILED\s+USER\s+ARGV$/);
    expect(lines[1]).toMatch(/^1\s+1\s+\S+ \S+\s+901ms\s+1\s+4\s+1\s+tester\s+s6rc -u change default$/);
    expect(lines[2]).toMatch(/^2\s+1\s+.*\s+0\s+2\s+0\s+root\s+s6rc -d change api-log$/);
    const json = s6rc(['history', '-l', fx.live, '--changes', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(json[0]).toEqual({
      id: 1, boot: 1, argv: ['s6rc', '-u', 'change', 'default'], user: 'tester',
      started: '2026-11-22T03:00:00.000Z', ended: '2026-11-22T03:00:00.901Z', durationMs: 901, exitCode: 1, reason: null, done: 4, failed: 1, update: null,
    });
  });

  it('--critical-chain prints the chain that set the change\'s length, systemd style', () => {
    const r = s6rc(['history', '-l', fx.live, '--critical-chain', '--change', '1']);
    expect(r.code).toBe(0);
    const chain = r.stdout.split('\n').filter((l) => / @\d/.test(l));
    expect(chain).toEqual([
      'cache-warm @721ms +179ms ✗ failed (exited 3)',
      '└─api @701ms +19ms',
      '  └─migrate @401ms +299ms',
      '    └─db @5ms +395ms',
    ]);
    // Default: the last change (a down change; prerequisites are dependents).
    const last = s6rc(['history', '-l', fx.live, '--critical-chain']);
    expect(last.stdout).toContain('critical chain of change 2');
    expect(last.stdout).toContain('api-log (down) @51ms +29ms');
  });

  it('reads a store placed outside the live directory (-s and S6RC_STORE)', () => {
    const viaOption = s6rc(['history', '-s', fx.store, '-l', join(fx.dir, 'nowhere'), '--changes', '--json']);
    expect(viaOption.code).toBe(0);
    expect(viaOption.stdout.trim().split('\n')).toHaveLength(2);
    const viaEnv = s6rc(['history', '-l', join(fx.dir, 'nowhere'), '--changes', '--json'], { env: { ...process.env, S6RC_STORE: fx.store } });
    expect(viaEnv.stdout).toBe(viaOption.stdout);
  });

  it('bad input is one line and the documented exit code', () => {
    const bad = s6rc(['history', '-l', fx.live, '--since', 'yesterday-ish']);
    expect(bad.code).toBe(100);
    expect(bad.stderr).toMatch(/^s6rc: fatal: option --since expects an ISO time or a duration such as 10m, got 'yesterday-ish' \(usage: .*\)\n$/);
    const noLog = s6rc(['history', '-l', join(fx.dir, 'nowhere')]);
    expect(noLog.code).toBe(111);
    expect(noLog.stderr).toMatch(/^s6rc: fatal: unable to open event log .*nowhere\/events\.db.*\n$/);
    expect(s6rc(['history', '-l', fx.live, '--limit', 'x']).code).toBe(100);
    expect(s6rc(['history', '-l', fx.live, '--changes', '--critical-chain']).code).toBe(100);
  });

  it('--follow streams events appended by a writer until interrupted', async () => {
    const child = spawn(process.execPath, [S6RC, 'history', '-l', fx.live, '--follow', '--json', '--limit', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await waitUntil(() => out.includes('change.ended'));
      const store = openEventStore(fx.store);
      store.append([{ type: 'supervisor.note', service: 'db', from: 'ready', to: 'ready', payload: { n: 1 } }]);
      store.flush();
      await waitUntil(() => out.includes('supervisor.note'));
      const id = store.startChange(['s6rc', 'change', 'api'], 'alice');
      store.append([{ type: 'supervisor.note', service: 'api', changeId: id, payload: { n: 2 } }]);
      store.flush();
      store.close();
      await waitUntil(() => out.includes('"n":2'));
      const code = new Promise((r) => child.on('close', r));
      child.kill('SIGINT');
      expect(await code).toBe(0);
      const rows = out.trim().split('\n').map((l) => JSON.parse(l));
      expect(rows.map((r) => r.event)).toEqual(['change.ended', 'supervisor.note', 'change.started', 'supervisor.note']);
      // Who asked, for a change that started after --follow did.
      expect(rows[3]).toMatchObject({ change: 3, user: 'alice' });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

async function waitUntil(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
