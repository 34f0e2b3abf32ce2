/**
 * The `--metrics` collector and server without a supervisor: transition
 * timing from rows, the exposition from statuses (names, HELP/TYPE, labels
 * and their escaping, one-hot state, counters from committed rows), and the
 * HTTP server's answers. test/cli/metrics.test.ts runs them in a real
 * supervisor, scraped by a real Prometheus.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../actors/supervisor/metrics/collector.js';
import { acceptsGzip, listenMetrics } from '../../actors/supervisor/metrics/server.js';
import { TransitionTimer, type TimedTransition } from '../../actors/supervisor/metrics/transitions.js';
import type { CompiledModel } from '../../machines/model.js';
import type { EventRow } from '../../store/events/types.js';
import type { ServiceHandle, ServiceStatus } from '../../actors/service/types.js';

let seq = 0;
function row(service: string | null, type: string, from: string | null, to: string | null, time: number, payload: Record<string, unknown> = {}): EventRow {
  return { seq: ++seq, time, boot: 1, changeId: null, service, type, from, to, payload };
}

function timed(rows: EventRow[]): TimedTransition[] {
  const out: TimedTransition[] = [];
  const timer = new TransitionTimer((t) => out.push(t));
  for (const r of rows) timer.observe(r);
  return out;
}

describe('TransitionTimer', () => {
  it('times an up from the request to ready, and a down from the request to down', () => {
    expect(
      timed([
        row('web', 'up', 'down', 'starting', 1000),
        row('web', 'run.spawned', 'starting', 'up-unready', 1010),
        row('web', 'readiness.notified', 'up-unready', 'ready', 1250),
        row('web', 'down', 'ready', 'stopping', 2000),
        row('web', 'run.exited', 'stopping', 'down', 2040),
      ]),
    ).toEqual([
      { service: 'web', kind: 'up', result: 'ok', ms: 250 },
      { service: 'web', kind: 'down', result: 'ok', ms: 40 },
    ]);
  });

  it('an up that ends failed (or down) is a failed up; a oneshot down with nothing to run takes 0 ms', () => {
    expect(
      timed([
        row('db', 'up', 'down', 'starting', 0),
        row('db', 'readiness.timeout', 'up-unready', 'failed', 5000),
        row('job', 'up', 'failed', 'starting', 10),
        row('job', 'script.exited', 'starting', 'failed', 30),
        row('job', 'down', 'failed', 'down', 40),
      ]),
    ).toEqual([
      { service: 'db', kind: 'up', result: 'failed', ms: 5000 },
      { service: 'job', kind: 'up', result: 'failed', ms: 20 },
      { service: 'job', kind: 'down', result: 'ok', ms: 0 },
    ]);
  });

  it('a restart after a death is not a transition; a request that changes nothing starts none; `up` while stopping replaces the down', () => {
    expect(
      timed([
        row('web', 'up', 'ready', 'ready', 0), // already there
        row('web', 'run.exited', 'ready', 'starting', 100), // died: restarted by the supervisor
        row('web', 'respawn.due', 'starting', 'starting', 1100),
        row('web', 'run.spawned', 'starting', 'ready', 1110),
        row('web', 'down', 'ready', 'stopping', 2000),
        row('web', 'up', 'stopping', 'stopping', 2010),
        row('web', 'run.exited', 'stopping', 'starting', 2020),
        row('web', 'run.spawned', 'starting', 'ready', 2030),
        row('web', 'notify.state', 'ready', 'ready', 2040),
        row(null, 'change.ended', null, null, 2050),
        row('web', 'transition.succeeded', null, null, 2060),
      ]),
    ).toEqual([{ service: 'web', kind: 'up', result: 'ok', ms: 20 }]);
  });
});

/** A supervisor's view for the collector: fixed statuses. */
function source(statuses: Partial<ServiceStatus>[], storePath = '/nonexistent/events.db') {
  const services = new Map<string, ServiceHandle>();
  const types = new Map<string, { type: string }>();
  for (const partial of statuses) {
    const status = { type: 'longrun', state: 'down', wantedUp: false, pid: null, exitCode: null, signal: null, paused: false, updownSince: 1_700_000_000_000, readySince: null, deathTally: 0, error: null, ...partial } as ServiceStatus;
    services.set(status.name, { name: status.name, status: () => status } as unknown as ServiceHandle);
    types.set(status.name, { type: status.type });
  }
  return { services, model: { services: types } as unknown as CompiledModel, storePath };
}

/** One scrape's text, its pieces joined. */
async function scrapeText(m: { scrape(): Promise<Buffer[]> }): Promise<string> {
  return Buffer.concat(await m.scrape()).toString('utf8');
}

/** The samples of one metric: `name{labels} value` lines, labels as an object. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

describe('createMetrics', () => {
  it('exposes every service: one-hot state, readiness, want, deaths and restarts of longruns, last exit', async () => {
    const m = createMetrics(
      source([
        { name: 'web', state: 'ready', wantedUp: true, pid: 42, deaths: 2, exitCode: null, signal: 'SIGKILL' },
        { name: 'setup', type: 'oneshot', state: 'failed', wantedUp: true, exitCode: 3 },
        { name: 'odd "name" \\ here', state: 'down', exitCode: 0 },
      ]),
    );
    m.observe([row('web', 'respawn.due', 'starting', 'starting', 1), row('web', 'respawn.due', 'starting', 'starting', 2)]);
    const text = await scrapeText(m);
    expect(m.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const [name, type] of [
      ['s6rc_service_state', 'gauge'],
      ['s6rc_service_ready', 'gauge'],
      ['s6rc_service_wanted_up', 'gauge'],
      ['s6rc_service_since_timestamp_seconds', 'gauge'],
      ['s6rc_service_deaths_total', 'counter'],
      ['s6rc_service_restarts_total', 'counter'],
      ['s6rc_service_last_exit_code', 'gauge'],
      ['s6rc_service_last_exit_signal', 'gauge'],
      ['s6rc_transition_duration_seconds', 'histogram'],
      ['s6rc_changes_total', 'counter'],
      ['s6rc_event_log_appends_total', 'counter'],
      ['s6rc_event_log_commits_total', 'counter'],
      ['s6rc_event_log_size_bytes', 'gauge'],
      ['process_resident_memory_bytes', 'gauge'],
      ['process_open_fds', 'gauge'],
    ]) {
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} ${type}$`, 'm'));
    }
    const state = samples(text, 's6rc_service_state');
    expect(state).toHaveLength(18); // 6 states × 3 services
    expect(state.filter((s) => s.value === 1).map((s) => s.labels)).toEqual([
      { service: 'web', type: 'longrun', state: 'ready' },
      { service: 'setup', type: 'oneshot', state: 'failed' },
      { service: 'odd \\"name\\" \\\\ here', type: 'longrun', state: 'down' },
    ]);
    expect(samples(text, 's6rc_service_ready')).toEqual([
      { labels: { service: 'web', type: 'longrun' }, value: 1 },
      { labels: { service: 'setup', type: 'oneshot' }, value: 0 },
      { labels: { service: 'odd \\"name\\" \\\\ here', type: 'longrun' }, value: 0 },
    ]);
    expect(samples(text, 's6rc_service_wanted_up').map((s) => s.value)).toEqual([1, 1, 0]);
    expect(samples(text, 's6rc_service_since_timestamp_seconds')[0].value).toBe(1_700_000_000);
    // Deaths and restarts: longruns only.
    expect(samples(text, 's6rc_service_deaths_total')).toEqual([
      { labels: { service: 'web', type: 'longrun' }, value: 2 },
      { labels: { service: 'odd \\"name\\" \\\\ here', type: 'longrun' }, value: 0 },
    ]);
    expect(samples(text, 's6rc_service_restarts_total').map((s) => s.value)).toEqual([2, 0]);
    expect(samples(text, 's6rc_service_last_exit_code')).toEqual([
      { labels: { service: 'setup', type: 'oneshot' }, value: 3 },
      { labels: { service: 'odd \\"name\\" \\\\ here', type: 'longrun' }, value: 0 },
    ]);
    expect(samples(text, 's6rc_service_last_exit_signal')).toEqual([{ labels: { service: 'web', type: 'longrun', signal: 'SIGKILL' }, value: 1 }]);
  });

  it('counts commits, appends, changes by exit code and transition durations from committed rows', async () => {
    const m = createMetrics(source([{ name: 'web' }, { name: 'job', type: 'oneshot' }]));
    m.observe([row(null, 'change.started', null, null, 0), row('web', 'up', 'down', 'starting', 0), row('web', 'run.spawned', 'starting', 'ready', 30)]);
    m.observe([
      row('job', 'up', 'down', 'starting', 0),
      row('job', 'script.exited', 'starting', 'failed', 2000),
      row(null, 'change.ended', null, null, 2000, { exitCode: 1 }),
      row(null, 'change.ended', null, null, 2000, { exitCode: 0 }),
      row(null, 'change.ended', null, null, 2000, { exitCode: null, reason: 'supervisor died' }),
    ]);
    m.observe([]);
    const text = await scrapeText(m);
    expect(samples(text, 's6rc_event_log_appends_total')).toEqual([{ labels: {}, value: 8 }]);
    expect(samples(text, 's6rc_event_log_commits_total')).toEqual([{ labels: {}, value: 2 }]);
    expect(samples(text, 's6rc_changes_total')).toEqual([
      { labels: { exit_code: '1' }, value: 1 },
      { labels: { exit_code: '0' }, value: 1 },
      { labels: { exit_code: 'unknown' }, value: 1 },
    ]);
    const count = samples(text, 's6rc_transition_duration_seconds_count');
    expect(count).toEqual([
      { labels: { kind: 'up', type: 'longrun', result: 'ok' }, value: 1 },
      { labels: { kind: 'up', type: 'oneshot', result: 'failed' }, value: 1 },
    ]);
    expect(samples(text, 's6rc_transition_duration_seconds_sum').map((s) => s.value)).toEqual([0.03, 2]);
    const buckets = samples(text, 's6rc_transition_duration_seconds_bucket').filter((s) => s.labels.type === 'longrun');
    expect(buckets.find((b) => b.labels.le === '0.025')!.value).toBe(0);
    expect(buckets.find((b) => b.labels.le === '0.05')!.value).toBe(1);
  });

  it('follows the services as they are now: a change shows at the next scrape, one gone is gone', async () => {
    const src = source([{ name: 'a' }, { name: 'b' }]);
    const m = createMetrics(src);
    const first = await scrapeText(m);
    expect(samples(first, 's6rc_service_ready')).toHaveLength(2);
    // Nothing changed: the same text (from the kept lines).
    expect((await scrapeText(m)).split('\n# HELP s6rc_transition')[0]).toBe(first.split('\n# HELP s6rc_transition')[0]);
    const b = src.services.get('b')!.status();
    Object.assign(b, { state: 'failed', exitCode: 1, deaths: 4 });
    let text = await scrapeText(m);
    expect(samples(text, 's6rc_service_state').filter((s) => s.value === 1).map((s) => `${s.labels.service} ${s.labels.state}`)).toEqual(['a down', 'b failed']);
    expect(samples(text, 's6rc_service_deaths_total').map((s) => s.value)).toEqual([0, 4]);
    expect(samples(text, 's6rc_service_last_exit_code')).toEqual([{ labels: { service: 'b', type: 'longrun' }, value: 1 }]);
    Object.assign(b, { exitCode: null, signal: 'SIGTERM' });
    text = await scrapeText(m);
    expect(samples(text, 's6rc_service_last_exit_code')).toEqual([]);
    expect(samples(text, 's6rc_service_last_exit_signal')).toEqual([{ labels: { service: 'b', type: 'longrun', signal: 'SIGTERM' }, value: 1 }]);
    (src.services as Map<string, ServiceHandle>).delete('a');
    text = await scrapeText(m);
    expect(samples(text, 's6rc_service_ready').map((s) => s.labels.service)).toEqual(['b']);
    expect(samples(text, 's6rc_service_state')).toHaveLength(6);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A request; a gzipped answer is unzipped (`encoding` says it was). */
function fetchText(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; type: string; allow?: string; encoding?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers['content-encoding'];
        const body = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), allow: res.headers.allow, encoding, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listenMetrics', () => {
  it('answers /metrics only (404 elsewhere, 405 for other methods), 503 until it has metrics', async () => {
    const port = await freePort();
    const server = await listenMetrics({ host: '127.0.0.1', port });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}/metrics`);
      expect((await fetchText(port, '/metrics')).status).toBe(503);
      server.serve(async () => [Buffer.from('x_total 1\n'), Buffer.from('y 2\n')], 'text/plain; version=0.0.4; charset=utf-8');
      expect(await fetchText(port, '/metrics?name[]=x')).toEqual({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: 'x_total 1\ny 2\n', allow: undefined, encoding: undefined });
      // Prometheus asks for gzip.
      const gzipped = await fetchText(port, '/metrics', 'GET', { 'Accept-Encoding': 'gzip' });
      expect(gzipped).toMatchObject({ status: 200, encoding: 'gzip', body: 'x_total 1\ny 2\n' });
      expect((await fetchText(port, '/metrics', 'HEAD')).body).toBe('');
      expect((await fetchText(port, '/')).status).toBe(404);
      expect((await fetchText(port, '/metrics/x')).status).toBe(404);
      expect(await fetchText(port, '/metrics', 'POST')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
      server.serve(async () => {
        throw new Error('boom');
      }, 'text/plain');
      expect(await fetchText(port, '/metrics')).toMatchObject({ status: 500, body: 'unable to collect the metrics: boom\n' });
    } finally {
      server.close();
    }
  });

  it('gzips for a client that accepts it', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('refuses an address in use with exit 111 and one line', async () => {
    const port = await freePort();
    const first = await listenMetrics({ host: '127.0.0.1', port });
    try {
      await expect(listenMetrics({ host: '127.0.0.1', port })).rejects.toMatchObject({ exitCode: 111, message: `unable to serve metrics on 127.0.0.1:${port}: address already in use` });
    } finally {
      first.close();
    }
  });
});
