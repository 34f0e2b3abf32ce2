/**
 * Keeping services healthy (SPEC §7), with real supervisors and processes:
 * the restart policy (restart, restart-backoff, restart-limit), and the
 * compile errors of the health files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { initLive, makeLive, until, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});
const started = (services: Record<string, SourceService>) => initLive(services, lives);

interface Logged {
  event: string;
  from: string | null;
  to: string | null;
  payload: { time: number; code?: number | null; pid?: number };
}
const events = (l: TestLive, service: string): Logged[] =>
  l.run('history', '--json', '--service', service).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Logged);
const stateOf = (l: TestLive, service: string) => (JSON.parse(l.run('status', '--json', service).stdout) as { state: string }[])[0]?.state;

describe('restart policy', () => {
  it('restart-backoff: the delays between a crash-looping run\'s deaths and restarts double up to MAX', async () => {
    const l = started({ crash: { type: 'longrun', run: 'exit 3', files: { 'restart-backoff': '40 320\n', 'restart-limit': '7 60\n' } } });
    expect(l.run('change', 'crash').code).toBe(0);
    await until(() => stateOf(l, 'crash') === 'failed', 10000);
    const log = events(l, 'crash');
    const gaps: number[] = [];
    for (let i = 0; i < log.length; i++) {
      if (log[i].event !== 'run.exited') continue;
      const next = log.slice(i + 1).find((e) => e.event === 'run.spawned');
      if (next) gaps.push(next.payload.time - log[i].payload.time);
    }
    expect(gaps.length).toBe(6);
    const expected = [40, 80, 160, 320, 320, 320];
    gaps.forEach((gap, k) => {
      expect(gap).toBeGreaterThanOrEqual(expected[k]);
      expect(gap).toBeLessThan(expected[k] + 250);
    });
    expect(log.at(-1)).toMatchObject({ event: 'run.exited', to: 'failed' });
  });

  it('restart-limit: COUNT deaths within SECONDS make the failure permanent; status and the log say why', async () => {
    const l = started({ crash: { type: 'longrun', run: 'exit 1', files: { 'restart-backoff': '10 10\n', 'restart-limit': '3 30\n' } } });
    l.run('change', 'crash');
    await until(() => stateOf(l, 'crash') === 'failed', 10000);
    expect(l.run('status', 'crash').stdout).toMatch(/failed: restart limit reached: 3 deaths within 30 s/);
    const deaths = events(l, 'crash').filter((e) => e.event === 'run.exited');
    expect(deaths.length).toBe(3);
    // Not restarted any more.
    await new Promise((r) => setTimeout(r, 300));
    expect(events(l, 'crash').filter((e) => e.event === 'run.spawned').length).toBe(3);
  });

  it('on-failure: a clean exit goes down for good; a failure restarts', async () => {
    const l = started({
      clean: { type: 'longrun', run: 'sleep 0.1; exit 0', files: { restart: 'on-failure\n' } },
      dirty: { type: 'longrun', run: 'sleep 0.1; exit 2', files: { restart: 'on-failure\n', 'restart-backoff': '10 10\n' } },
    });
    expect(l.run('change', 'clean', 'dirty').code).toBe(0);
    await until(() => events(l, 'dirty').filter((e) => e.event === 'run.spawned').length >= 3, 10000);
    await until(() => stateOf(l, 'clean') === 'down', 5000);
    expect(l.run('status', '-o', 'wantedup,exitcode', 'clean').stdout).toBe('false 0\n');
    expect(events(l, 'clean').filter((e) => e.event === 'run.spawned').length).toBe(1);
  });

  it('never: the first death leaves it down; always restarts even a clean exit', async () => {
    const l = started({
      once: { type: 'longrun', run: 'sleep 0.1; exit 1', files: { restart: 'never\n' } },
      again: { type: 'longrun', run: 'sleep 0.1; exit 0', files: { 'restart-backoff': '10 10\n' } },
    });
    expect(l.run('change', 'once', 'again').code).toBe(0);
    await until(() => events(l, 'again').filter((e) => e.event === 'run.spawned').length >= 3, 10000);
    expect(stateOf(l, 'once')).toBe('down');
    expect(events(l, 'once').filter((e) => e.event === 'run.spawned').length).toBe(1);
  });
});

describe('death records', () => {
  it('status shows the death count and the last exit; history --deaths lists each death as s6-svdt does', async () => {
    const l = started({ flaky: { type: 'longrun', run: 'sleep 0.2; exit 7', files: { 'restart-backoff': '10 10\n' } } });
    l.run('change', 'flaky');
    await until(() => events(l, 'flaky').filter((e) => e.event === 'run.exited').length >= 3, 10000);
    l.run('change', '-d', 'flaky');
    const line = l.run('status', 'flaky').stdout;
    expect(line).toMatch(/^down \(signal SIGTERM\) \d+ seconds, \d+ deaths\n$/);
    const deaths = Number(l.run('status', '-o', 'deaths', 'flaky').stdout);
    expect(deaths).toBeGreaterThanOrEqual(3);
    const json = l.run('history', '--deaths', 'flaky', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(json.length).toBe(deaths);
    for (const d of json.slice(0, -1)) {
      expect(d).toMatchObject({ service: 'flaky', exitCode: 7, signal: null, lost: false });
      expect(d.upMs).toBeGreaterThanOrEqual(150);
    }
    // The last one: killed by the down transition.
    expect(json.at(-1)).toMatchObject({ signal: 'SIGTERM', exitCode: null });
    const table = l.run('history', '--deaths', 'flaky', '--limit', '2').stdout.split('\n');
    expect(table[0]).toMatch(/^TIME\s+DEATH\s+PID\s+UP FOR$/);
    expect(table[1]).toMatch(/exitcode 7\s+\d+\s+\d/);
    expect(table[2]).toMatch(/signal SIGTERM/);
    expect(table.length).toBe(4);
    expect(l.run('history', '--deaths', 'flaky', '--changes').code).toBe(100);
  });
});

describe('health files at compile time', () => {
  const bad: [string, Record<string, string>, RegExp][] = [
    ['an unknown restart policy', { restart: 'sometimes\n' }, /unknown restart policy 'sometimes' .* in .*\/bad\/restart$/m],
    ['MIN > MAX', { 'restart-backoff': '900 100\n' }, /MIN 900 is greater than MAX 100 in .*\/bad\/restart-backoff$/m],
    ['a zero COUNT', { 'restart-limit': '0 10\n' }, /COUNT must be at least 1 in .*\/bad\/restart-limit$/m],
    ['a port out of range', { 'readiness-probe': 'tcp 127.0.0.1:99999\n' }, /port out of range .* in .*\/bad\/readiness-probe$/m],
    ['a URL that is not http', { 'liveness-probe': 'http https://127.0.0.1/\n' }, /not an http URL: .* in .*\/bad\/liveness-probe$/m],
    ['a watchdog without notify-socket', { 'watchdog-timeout': '1000\n' }, /watchdog-timeout needs notify-socket .* in .*\/bad\/watchdog-timeout$/m],
  ];
  for (const [what, files, message] of bad) {
    it(`${what} is a compile error naming the file`, () => {
      expect(() => makeLive({ bad: { type: 'longrun', run: 'exec sleep 1000', files } })).toThrow(message);
    });
  }

  it('each setting is kept in the database and shown by db', () => {
    const l = makeLive({
      good: {
        type: 'longrun',
        run: 'exec sleep 1000',
        files: { restart: 'on-failure\n', 'restart-backoff': '100 5000\n', 'restart-limit': '5 60\n', 'notify-socket': '', 'watchdog-timeout': '3000\n', 'readiness-probe': 'tcp 127.0.0.1:8080 -w 100\n', 'liveness-probe': 'http http://127.0.0.1:8080/healthz -f 2\n' },
      },
    });
    lives.push(l);
    const shown = l.run('db', '-c', l.compiled, 'settings', 'good');
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toBe(
      [
        'liveness-probe http http://127.0.0.1:8080/healthz -f 2',
        'notify-socket',
        'readiness-probe tcp 127.0.0.1:8080 -w 100',
        'restart on-failure',
        'restart-backoff 100 5000',
        'restart-limit 5 60',
        'watchdog-timeout 3000',
        '',
      ].join('\n'),
    );
  });
});
