/**
 * Keeping services healthy (SPEC §7), with real supervisors and processes:
 * the restart policy (restart, restart-backoff, restart-limit), and the
 * compile errors of the health files.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { initLive, makeLive, until, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
const servers: (Server | HttpServer)[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
  for (const s of servers.splice(0)) s.close();
});

/** A listener on 127.0.0.1 owned by the test; its port. */
async function listen(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on yet (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  servers.splice(servers.indexOf(server), 1);
  return port;
}

const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';
const hasSystemdNotify = existsSync(SYSTEMD_NOTIFY);
if (!hasSystemdNotify) console.log('health.test: skipping the sd_notify tests: systemd-notify (Debian package systemd) is not installed');
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
    expect(l.run('replay', '--verify')).toMatchObject({ code: 0, stderr: expect.stringMatching(/replay matches the stored projection and the running supervisor/) });
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

describe('restart policy during a change', () => {
  it('a run that dies before it is ready under restart never fails the up transition, saying why', () => {
    const l = started({ once: { type: 'longrun', run: 'sleep 0.1; exit 3', notificationFd: 3, files: { restart: 'never\n' } } });
    const r = l.run('change', 'once');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('s6rc: warning: unable to start service once: run exited 3 before it was ready, and its restart policy keeps it down\n');
  });
});

describe.skipIf(!hasSystemdNotify)('notify-socket (with the real systemd-notify)', () => {
  it('READY=1 is readiness and STATUS= shows in status, until and after it', async () => {
    const l = started({
      web: {
        type: 'longrun',
        run: `${SYSTEMD_NOTIFY} --status="warming up"; touch data/said; while [ ! -e data/go ]; do sleep 0.02; done; ${SYSTEMD_NOTIFY} --ready --status="serving 3 clients"; exec sleep 1000`,
        files: { 'notify-socket': '', 'data/.keep': '' },
      },
    });
    expect(l.run('svc', '-u', 'web').code).toBe(0);
    const dir = `${l.live}/servicedirs/web`;
    await until(() => existsSync(`${dir}/data/said`), 5000);
    await until(() => /status: warming up/.test(l.run('status', 'web').stdout), 5000);
    expect(stateOf(l, 'web')).toBe('up-unready');
    (await import('node:fs')).writeFileSync(`${dir}/data/go`, '');
    expect(l.run('wait', '-U', '-t', '5000', 'web').code).toBe(0);
    expect(l.run('status', 'web').stdout).toMatch(/^up \(pid \d+\) \d+ seconds, normally down, ready \d+ seconds, status: serving 3 clients\n$/);
    expect(l.run('status', '-o', 'notifystatus', 'web').stdout).toBe('serving 3 clients\n');
    const ready = events(l, 'web').find((e) => e.event === 'readiness.notified');
    expect(ready?.payload).toMatchObject({ via: 'notify' });
    expect(l.run('replay', '--verify')).toMatchObject({ code: 0, stderr: expect.stringMatching(/replay matches the stored projection and the running supervisor/) });
  });

  it('WATCHDOG=1 keeps it alive; when the pings stop, it is killed, recorded as a watchdog failure, and restarted', async () => {
    const l = started({
      dog: {
        type: 'longrun',
        // Pings for about 0.6 s, then hangs without pinging.
        run: `${SYSTEMD_NOTIFY} --ready; for i in 1 2 3 4 5 6; do ${SYSTEMD_NOTIFY} WATCHDOG=1; sleep 0.1; done; exec sleep 1000`,
        files: { 'notify-socket': '', 'watchdog-timeout': '400\n', 'restart-backoff': '10 10\n' },
      },
    });
    const t0 = Date.now();
    expect(l.run('change', 'dog').code).toBe(0);
    await until(() => events(l, 'dog').some((e) => e.event === 'health.failed'), 10000);
    const log = events(l, 'dog');
    const failed = log.find((e) => e.event === 'health.failed')!;
    expect(failed).toMatchObject({ from: 'ready', to: 'stopping', payload: { check: 'watchdog', reason: 'watchdog: no WATCHDOG=1 within 400 ms' } });
    // Not before the pings stopped (about 0.6 s of pings, then 400 ms).
    expect(failed.payload.time - t0).toBeGreaterThanOrEqual(900);
    await until(() => events(l, 'dog').filter((e) => e.event === 'run.spawned').length >= 2, 5000);
    expect(l.run('history', '--service', 'dog').stdout).toMatch(/health\.failed\s+watchdog: no WATCHDOG=1 within 400 ms/);
    expect(l.run('change', '-d', 'dog').code).toBe(0);
    expect(l.run('replay', '--verify')).toMatchObject({ code: 0, stderr: expect.stringMatching(/replay matches the stored projection and the running supervisor/) });
  });
});

describe('probes', () => {
  it('readiness-probe tcp: ready only once the port opens; refused attempts are just failed attempts', async () => {
    const port = await freePort();
    const l = started({
      db: {
        type: 'longrun',
        run: `sleep 0.4; exec perl -MSocket -e 'socket(S,PF_INET,SOCK_STREAM,0) or die; setsockopt(S,SOL_SOCKET,SO_REUSEADDR,1); bind(S,sockaddr_in(${port},INADDR_LOOPBACK)) or die "bind: $!"; listen(S,64) or die; while (accept(C,S)) { close C }'`,
        files: { 'readiness-probe': `tcp 127.0.0.1:${port} -s 0 -w 50 -n 0\n` },
      },
    });
    expect(l.run('change', 'db').code).toBe(0);
    const log = events(l, 'db');
    const spawned = log.find((e) => e.event === 'run.spawned')!;
    const ready = log.find((e) => e.event === 'readiness.notified')!;
    expect(ready.payload).toMatchObject({ via: 'probe' });
    expect(ready.payload.time - spawned.payload.time).toBeGreaterThanOrEqual(400);
    expect(ready.payload.time - spawned.payload.time).toBeLessThan(2000);
  });

  it('readiness-probe http: a 503 is not ready, a 2xx is', async () => {
    let healthy = false;
    const port = await listen(createHttpServer((req, res) => res.writeHead(req.url === '/health' && healthy ? 204 : 503).end()));
    const l = started({ api: { type: 'longrun', run: 'exec sleep 1000', files: { 'readiness-probe': `http http://127.0.0.1:${port}/health -s 0 -w 50 -n 0\n` } } });
    expect(l.run('svc', '-u', 'api').code).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(stateOf(l, 'api')).toBe('up-unready');
    healthy = true;
    // Polled (not `wait`): this process answers the probes, so it must not block on a child.
    await until(() => stateOf(l, 'api') === 'ready', 5000);
  });

  it('readiness-probe that gives up leaves it unready and says why; timeout-up then fails it', async () => {
    const port = await freePort();
    const l = started({ nope: { type: 'longrun', run: 'exec sleep 1000', files: { 'readiness-probe': `tcp 127.0.0.1:${port} -s 0 -w 20 -n 3\n`, 'timeout-up': '1500\n' } } });
    expect(l.run('change', 'nope').code).toBe(1);
    const log = events(l, 'nope');
    expect(log.find((e) => e.event === 'readiness.gaveUp')?.payload).toMatchObject({ reason: `tcp 127.0.0.1:${port}: connection refused (3 attempts)` });
  });

  it('liveness-probe: a ready service whose probe fails -f times in a row is killed and restarted', async () => {
    const target = createServer((c) => c.destroy());
    const port = await listen(target);
    const l = started({
      live: { type: 'longrun', run: 'exec sleep 1000', files: { 'liveness-probe': `tcp 127.0.0.1:${port} -s 0 -w 50 -f 2\n`, 'restart-backoff': '10 10\n', 'timeout-kill': '500\n' } },
    });
    expect(l.run('change', 'live').code).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(events(l, 'live').some((e) => e.event === 'health.failed')).toBe(false);
    await new Promise((r) => target.close(r));
    await until(() => events(l, 'live').some((e) => e.event === 'health.failed'), 5000);
    const failed = events(l, 'live').find((e) => e.event === 'health.failed')!;
    expect(failed).toMatchObject({ from: 'ready', to: 'stopping', payload: { check: 'liveness' } });
    expect(String((failed.payload as { reason?: string }).reason)).toMatch(new RegExp(`^liveness probe: tcp 127.0.0.1:${port}: connection refused`));
    await until(() => events(l, 'live').filter((e) => e.event === 'run.spawned').length >= 2, 5000);
    const deaths = l.run('history', '--deaths', 'live', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(deaths[0]).toMatchObject({ signal: 'SIGTERM' });
    // It would go on failing and restarting: stop it, so the log and the supervisor hold still for the comparison.
    expect(l.run('change', '-d', 'live').code).toBe(0);
    expect(l.run('replay', '--verify')).toMatchObject({ code: 0, stderr: expect.stringMatching(/replay matches the stored projection and the running supervisor/) });
  });
});

describe('death records', () => {
  it('status shows the death count and the last exit; history --deaths lists each death as s6-svdt does', async () => {
    const l = started({ flaky: { type: 'longrun', run: 'sleep 0.2; exit 7', files: { 'restart-backoff': '10 10\n' } } });
    l.run('change', 'flaky');
    await until(() => events(l, 'flaky').filter((e) => e.event === 'run.exited').length >= 3, 10000);
    l.run('change', '-d', 'flaky');
    const line = l.run('status', 'flaky').stdout;
    // Stopped while running (SIGTERM), or in the moment between a death and its restart.
    expect(line).toMatch(/^down \((signal SIGTERM|exitcode 7)\) \d+ seconds, \d+ deaths\n$/);
    const deaths = Number(l.run('status', '-o', 'deaths', 'flaky').stdout);
    expect(deaths).toBeGreaterThanOrEqual(3);
    const json = l.run('history', '--deaths', 'flaky', '--json').stdout.trim().split('\n').map((x) => JSON.parse(x));
    expect(json.length).toBe(deaths);
    for (const d of json.slice(0, -1)) {
      expect(d).toMatchObject({ service: 'flaky', exitCode: 7, signal: null, lost: false });
      expect(d.upMs).toBeGreaterThanOrEqual(150);
    }
    // The last one: killed by the down transition, unless it had just died on its own.
    expect([json.at(-1).signal, json.at(-1).exitCode]).toSatisfy(([sig, code]: [string | null, number | null]) => sig === 'SIGTERM' || code === 7);
    const table = l.run('history', '--deaths', 'flaky', '--limit', '2').stdout.split('\n');
    expect(table[0]).toMatch(/^TIME\s+DEATH\s+PID\s+UP FOR$/);
    expect(table[1]).toMatch(/exitcode 7\s+\d+\s+\d/);
    expect(table[2]).toMatch(/signal SIGTERM|exitcode 7/);
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
