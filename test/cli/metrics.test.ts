/**
 * `--metrics ADDR:PORT` on daemon, init and boot: the option's checks, what
 * /metrics says of a real supervisor after known events (names, HELP/TYPE,
 * labels, counts), the address in use refused before anything starts,
 * prom-client never loaded without the option, and a real Prometheus
 * (Debian's `prometheus`; skipped, with the reason printed, when absent)
 * scraping a supervisor and seeing a crashed service's deaths and restarts.
 * Everything runs on 127.0.0.1 and is cleaned up by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetricsAddress } from '../../cli/metricsOption.js';
import { S6RC, s6rc, tempDir } from '../helpers/cli.js';
import { makeLive, processesUnder, readPid, until, untilAsync, writeSource, type SourceService, type TestLive } from '../helpers/supervisor.js';

const PROMETHEUS = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim() || null;
if (!PROMETHEUS) console.warn('skipping the real-Prometheus test: prometheus is not installed (apt-get install prometheus)');

const TRACE = resolve(__dirname, '../fixtures/trace-imports.mjs');

const SERVICES: Record<string, SourceService> = {
  web: { type: 'longrun', run: 'echo >&3; exec sleep 1000', notificationFd: 3 },
  setup: { type: 'oneshot', up: 'true' },
  broken: { type: 'oneshot', up: '/bin/sh -c "exit 3"' },
};

const lives: TestLive[] = [];
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  // Prometheus (and boot) by pid: SIGTERM, then SIGKILL if it lingers.
  for (const child of children.splice(0)) await stopChild(child);
  while (lives.length) lives.pop()!.cleanup();
  for (const c of cleanups.splice(0)) c();
});

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of the one sample `name{...labels}` in an exposition (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const own = Object.fromEntries([...(/\{(.*)\}/.exec(line)?.[1] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => own[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** The s6-rc command on `l`'s live directory (`s6rc -l live args...`). */
function rc(l: TestLive, ...args: string[]) {
  return s6rc(['-l', l.live, ...args], { env: { ...process.env, S6RC_STORE: '' } });
}

function status(l: TestLive, name: string): { state: string; pid: number | null; deaths?: number } {
  return JSON.parse(l.run('status', '--json', name).stdout)[0];
}

describe('--metrics ADDR:PORT (the option)', () => {
  it('is in the help of daemon, init and boot', () => {
    for (const sub of ['daemon', 'init', 'boot']) {
      const r = s6rc([sub, '--help']);
      expect(r.stdout, sub).toMatch(/\[--metrics ADDR:PORT\]/);
      expect(r.stdout, sub).toMatch(/\n {2}--metrics ADDR:PORT +serve Prometheus metrics at http:\/\/ADDR:PORT\/metrics/);
    }
  });

  it('takes ADDR:PORT as ui --listen does, or a port alone on 127.0.0.1', () => {
    expect(parseMetricsAddress('9180')).toEqual({ host: '127.0.0.1', port: 9180 });
    expect(parseMetricsAddress(':9180')).toEqual({ host: '127.0.0.1', port: 9180 });
    expect(parseMetricsAddress('0.0.0.0:9180')).toEqual({ host: '0.0.0.0', port: 9180 });
    expect(parseMetricsAddress('[::1]:9180')).toEqual({ host: '::1', port: 9180 });
    expect(parseMetricsAddress('localhost:9180')).toEqual({ host: 'localhost', port: 9180 });
    expect(parseMetricsAddress('metrics.lan:9180')).toEqual({ host: 'metrics.lan', port: 9180 });
  });

  it('refuses a bad address or port with exit 100 and one line, before anything is created', () => {
    const t = tempDir('s6rc-metrics-');
    cleanups.push(t.cleanup);
    const live = join(t.dir, 'live');
    for (const [value, why] of [
      ['0', "port must be 1 to 65535, got '0'"],
      ['127.0.0.1:65536', "port must be 1 to 65535, got '65536'"],
      [':0', "port must be 1 to 65535, got '0'"],
      ['exa mple:9100', "expected ADDR:PORT, :PORT or PORT, got 'exa mple:9100'"],
      ['127.0.0.256:9100', "expected ADDR:PORT, :PORT or PORT, got '127.0.0.256:9100'"],
      ['::1:9100', "expected ADDR:PORT, :PORT or PORT, got '::1:9100'"],
      ['[127.0.0.1]:9100', "expected ADDR:PORT, :PORT or PORT, got '[127.0.0.1]:9100'"],
      ['web', "expected ADDR:PORT, :PORT or PORT, got 'web'"],
    ]) {
      for (const args of [['daemon', '-l', live, '--metrics', value], ['init', '-c', join(t.dir, 'nope'), '-l', live, '--metrics', value], ['boot', '-l', live, '--metrics', value, join(t.dir, 'nope')]]) {
        const r = s6rc(args);
        expect(r.code, `${args[0]} --metrics ${value}`).toBe(100);
        expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: option --metrics: ${why.replace(/[[\]().*+?]/g, '\\$&')} \\(usage: s6rc ${args[0]} .*\\)\\n$`));
      }
    }
    expect(existsSync(live)).toBe(false);
  });
});

describe('s6rc init --metrics', () => {
  it('serves /metrics: every service and metric, counts after known events', async () => {
    const port = await freePort();
    const l = makeLive(SERVICES);
    lives.push(l);
    expect(l.run('init', '-c', l.compiled, '--metrics', String(port))).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(l.live, 'supervisor.log'), 'utf8')).toContain(`s6rc: info: metrics on http://127.0.0.1:${port}/metrics\n`);

    let m = await get(port, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of ['s6rc_service_state', 's6rc_service_ready', 's6rc_service_deaths_total', 's6rc_service_restarts_total', 's6rc_transition_duration_seconds', 's6rc_changes_total', 's6rc_event_log_appends_total', 's6rc_event_log_size_bytes', 'process_resident_memory_bytes', 'process_open_fds']) {
      expect(m.body, name).toMatch(new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} (gauge|counter|histogram)$`, 'm'));
    }
    for (const name of ['web', 'setup', 'broken']) {
      expect(sample(m.body, 's6rc_service_state', { service: name, state: 'down' }), name).toBe(1);
      expect(sample(m.body, 's6rc_service_state', { service: name, state: 'ready' }), name).toBe(0);
    }
    expect(sample(m.body, 's6rc_service_state', { service: 'web', type: 'longrun', state: 'down' })).toBe(1);
    expect(sample(m.body, 's6rc_service_deaths_total', { service: 'web', type: 'longrun' })).toBe(0);
    expect(sample(m.body, 's6rc_service_deaths_total', { service: 'setup' })).toBeUndefined(); // longruns only
    expect(sample(m.body, 's6rc_changes_total')).toBeUndefined();
    expect(sample(m.body, 'process_resident_memory_bytes')).toBeGreaterThan(10 << 20);
    expect(sample(m.body, 'process_open_fds')).toBeGreaterThan(3);
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);

    expect(rc(l, 'change', 'web', 'setup').code).toBe(0);
    expect(rc(l, 'change', 'broken').code).toBe(1);
    m = await get(port, '/metrics');
    expect(sample(m.body, 's6rc_service_state', { service: 'web', state: 'ready' })).toBe(1);
    expect(sample(m.body, 's6rc_service_ready', { service: 'web' })).toBe(1);
    expect(sample(m.body, 's6rc_service_ready', { service: 'setup', type: 'oneshot' })).toBe(1);
    expect(sample(m.body, 's6rc_service_state', { service: 'broken', state: 'failed' })).toBe(1);
    expect(sample(m.body, 's6rc_service_last_exit_code', { service: 'broken' })).toBe(3);
    expect(sample(m.body, 's6rc_service_last_exit_code', { service: 'setup' })).toBe(0);
    expect(sample(m.body, 's6rc_changes_total', { exit_code: '0' })).toBe(1);
    expect(sample(m.body, 's6rc_changes_total', { exit_code: '1' })).toBe(1);
    expect(sample(m.body, 's6rc_transition_duration_seconds_count', { kind: 'up', type: 'longrun', result: 'ok' })).toBe(1);
    expect(sample(m.body, 's6rc_transition_duration_seconds_count', { kind: 'up', type: 'oneshot', result: 'ok' })).toBe(1);
    expect(sample(m.body, 's6rc_transition_duration_seconds_count', { kind: 'up', type: 'oneshot', result: 'failed' })).toBe(1);

    // A crash: run killed by pid, restarted by the supervisor.
    const pid = status(l, 'web').pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => {
      const s = status(l, 'web');
      return s.state === 'ready' && s.pid !== pid;
    }, 20_000, 'web to be restarted');
    m = await get(port, '/metrics');
    expect(sample(m.body, 's6rc_service_deaths_total', { service: 'web' })).toBe(1);
    expect(sample(m.body, 's6rc_service_restarts_total', { service: 'web' })).toBe(1);
    expect(sample(m.body, 's6rc_service_last_exit_signal', { service: 'web', signal: 'SIGKILL' })).toBe(1);
    expect(sample(m.body, 's6rc_service_last_exit_code', { service: 'web' })).toBeUndefined();
    // Not a transition: nobody asked for it.
    expect(sample(m.body, 's6rc_transition_duration_seconds_count', { kind: 'up', type: 'longrun', result: 'ok' })).toBe(1);

    expect(rc(l, '-d', 'change', 'web').code).toBe(0);
    m = await get(port, '/metrics');
    expect(sample(m.body, 's6rc_transition_duration_seconds_count', { kind: 'down', type: 'longrun', result: 'ok' })).toBe(1);
    // Every event this supervisor wrote, and the log's size on disk.
    const db = new Database(join(l.live, 'events.db'), { readonly: true });
    try {
      const events = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
      m = await get(port, '/metrics');
      const after = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
      const appends = sample(m.body, 's6rc_event_log_appends_total')!;
      expect(appends).toBeGreaterThanOrEqual(events);
      expect(appends).toBeLessThanOrEqual(after);
    } finally {
      db.close();
    }
    expect(sample(m.body, 's6rc_event_log_size_bytes')).toBeGreaterThan(4096);
    expect(sample(m.body, 's6rc_event_log_commits_total')).toBeGreaterThan(1);
  });

  it('an address in use: init and daemon exit 111 with one line, before the supervisor starts anything', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    cleanups.push(() => busy.close());
    const port = (busy.address() as AddressInfo).port;
    const l = makeLive(SERVICES);
    lives.push(l);
    const r = l.run('init', '-c', l.compiled, '--metrics', `127.0.0.1:${port}`);
    expect(r.code).toBe(111);
    expect(r.stderr).toBe(`s6rc: fatal: supervisor failed to start: exited 111 (supervisor.log: s6rc: fatal: unable to serve metrics on 127.0.0.1:${port}: address already in use)\n`);
    expect(existsSync(join(l.live, 'events.db'))).toBe(false);
    expect(existsSync(join(l.live, 'pid'))).toBe(false);

    // `daemon` on a live directory whose supervisor stopped: nothing recorded, nothing started.
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    expect(l.run('shutdown').code).toBe(0);
    const before = readFileSync(join(l.live, 'events.db'));
    const d = s6rc(['daemon', '-l', l.live, '--metrics', String(port)], { env: { ...process.env, S6RC_STORE: '' }, timeout: 20_000 });
    expect(d.code).toBe(111);
    expect(d.stderr).toBe(`s6rc: fatal: unable to serve metrics on 127.0.0.1:${port}: address already in use\n`);
    expect(readFileSync(join(l.live, 'events.db')).equals(before)).toBe(true);
    expect(existsSync(join(l.live, 'control'))).toBe(false);
  });

  it('loads prom-client only with --metrics', async () => {
    const env = { ...process.env, S6RC_STORE: '', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${TRACE}` };
    const loaded = (l: TestLive) =>
      readFileSync(join(l.live, 'supervisor.log'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('TRACE-IMPORT '));
    const without = makeLive(SERVICES);
    lives.push(without);
    expect(s6rc(['init', '-c', without.compiled, '-l', without.live], { env }).code).toBe(0);
    const plain = loaded(without);
    // The daemon runs from its bundle (dist/supervise.cjs); prom-client stays outside it, required only with --metrics.
    expect(plain.some((line) => line.includes('/dist/supervise.cjs'))).toBe(true);
    expect(plain.filter((line) => /prom-client|\/metrics\//.test(line))).toEqual([]);

    const withMetrics = makeLive(SERVICES);
    lives.push(withMetrics);
    expect(s6rc(['init', '-c', withMetrics.compiled, '-l', withMetrics.live, '--metrics', String(await freePort())], { env }).code).toBe(0);
    expect(loaded(withMetrics).some((line) => line.includes('/node_modules/prom-client/'))).toBe(true);
  });
});

describe('s6rc boot --metrics', () => {
  it('passes it to its supervisor', async () => {
    const port = await freePort();
    const t = tempDir('s6rc-metrics-boot-');
    cleanups.push(t.cleanup);
    const live = join(t.dir, 'live');
    writeSource(join(t.dir, 'src'), SERVICES);
    const child = spawn(process.execPath, [S6RC, 'boot', '-l', live, '--metrics', `127.0.0.1:${port}`, join(t.dir, 'src'), 'web'], {
      env: { ...process.env, S6RC_STORE: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    // Whatever happens, the supervisor and the services go too, by pid.
    cleanups.unshift(() => {
      for (const pid of [readPid(join(live, 'pid')), ...processesUnder(live)]) if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    await until(() => err.includes('Ctrl-C'), 30_000, 'boot to bring web up');
    const m = await get(port, '/metrics');
    expect(sample(m.body, 's6rc_service_state', { service: 'web', state: 'ready' })).toBe(1);
    expect(sample(m.body, 's6rc_changes_total', { exit_code: '0' })).toBe(1);
  });
});

/** One instant query to Prometheus's HTTP API: the vector's samples. */
async function query(port: number, promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const r = await get(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  const answer = JSON.parse(r.body) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (answer.status !== 'success') throw new Error(`query ${promql}: ${r.body}`);
  return answer.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
}

describe.skipIf(!PROMETHEUS)('a real Prometheus scraping the supervisor', () => {
  it("sees a service's state, and its death and restart after its run was killed", async () => {
    const port = await freePort();
    const l = makeLive(SERVICES);
    lives.push(l);
    expect(l.run('init', '-c', l.compiled, '--metrics', String(port)).code).toBe(0);
    expect(rc(l, 'change', 'web').code).toBe(0);

    const t = tempDir('s6rc-prometheus-');
    cleanups.push(t.cleanup);
    const config = join(t.dir, 'prometheus.yml');
    writeFileSync(config, ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: s6rc', '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, ''].join('\n'));
    const promPort = await freePort();
    const prometheus = spawn(PROMETHEUS!, [`--config.file=${config}`, `--storage.tsdb.path=${join(t.dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      cwd: t.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(prometheus);
    let log = '';
    prometheus.stderr!.on('data', (d) => (log += d));
    const ready = async (promql: string, ok: (v: number[]) => boolean) => {
      try {
        return ok((await query(promPort, promql)).map((s) => s.value));
      } catch {
        return false;
      }
    };
    await untilAsync(() => ready('up{job="s6rc"}', (v) => v[0] === 1), 60_000, `Prometheus to scrape the supervisor (its log: ${log.slice(-500)})`);
    expect(await query(promPort, 's6rc_service_state{service="web",state="ready"}')).toEqual([
      { metric: expect.objectContaining({ __name__: 's6rc_service_state', job: 's6rc', service: 'web', type: 'longrun', state: 'ready' }), value: 1 },
    ]);
    expect((await query(promPort, 's6rc_service_deaths_total{service="web"}'))[0].value).toBe(0);

    const pid = status(l, 'web').pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => {
      const s = status(l, 'web');
      return s.state === 'ready' && s.pid !== pid;
    }, 20_000, 'web to be restarted');
    await untilAsync(
      () => ready('s6rc_service_restarts_total{service="web"}', (v) => v[0] === 1),
      30_000,
      'Prometheus to see the restart',
    );
    expect((await query(promPort, 's6rc_service_deaths_total{service="web",type="longrun"}'))[0].value).toBe(1);
    expect((await query(promPort, 's6rc_service_last_exit_signal{service="web"}'))[0].metric.signal).toBe('SIGKILL');
    expect((await query(promPort, 's6rc_service_state{service="web",state="ready"}'))[0].value).toBe(1);
    // The README's alerts: the restart one with a threshold of 0 finds web alone; the readiness one, a failed oneshot.
    expect((await query(promPort, 'increase(s6rc_service_deaths_total[10m]) > 0')).map((s) => s.metric.service)).toEqual(['web']);
    expect(rc(l, 'change', 'broken').code).toBe(1);
    await untilAsync(
      async () => (await query(promPort, 's6rc_service_wanted_up == 1 and s6rc_service_ready == 0')).map((s) => s.metric.service).join() === 'broken',
      30_000,
      'the not-ready expression to find broken',
    );
  });

  it("the README's scrape config and alert rules pass promtool", () => {
    const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
    expect(promtool).not.toBe('');
    const blocks = [...readFileSync(resolve(__dirname, '../../README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const t = tempDir('s6rc-promtool-');
    cleanups.push(t.cleanup);
    const rules = join(t.dir, 'rules.yml');
    writeFileSync(rules, blocks.find((b) => b.includes('groups:'))!);
    writeFileSync(join(t.dir, 'prometheus.yml'), `${blocks.find((b) => b.includes('scrape_configs:'))!}rule_files: ['${rules}']\n`);
    const r = spawnSync(promtool, ['check', 'config', join(t.dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS: 2 rules found');
    expect(r.status).toBe(0);
  });
});
