/**
 * `s6rc ui` over plain HTTP, against a real supervisor: the page, its
 * server-sent events following a real state change, the read-only queries,
 * what it refuses, and how it ends.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../cli/listenAddress.js';
import { s6rc } from '../helpers/cli.js';
import { initLive, makeLive, writeSource, type TestLive } from '../helpers/supervisor.js';
import { historyJson, killUis, openEvents, request, s6rcAsync, startUi, type SseMessage, type SseStream } from '../helpers/ui.js';

const lives: TestLive[] = [];
const streams: SseStream[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
  killUis();
  while (lives.length) lives.pop()!.cleanup();
});

const STACK = {
  a: { type: 'longrun' as const, run: 'exec sleep 1000' },
  b: { type: 'oneshot' as const, up: 'true', dependencies: ['a'] },
  both: { type: 'bundle' as const, contents: ['a', 'b'] },
};

const status = (m: SseMessage) => m.data as { name: string; state: string; now: number };

describe('s6rc ui over HTTP', () => {
  it('serves the page, and its feed follows a real state change within a second', async () => {
    const l = initLive(STACK, lives);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await request(ui.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // Its policy lets the page reach only the server that served it, and run only its own script.
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; .*connect-src 'self'/);
    expect(page.body).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="s6rc-graph"');
    expect(page.body).toMatch(/data-service="a"[^>]*data-state="down"/);
    expect(page.body).toContain('class="s6rc-statechart" data-machine="longrun"');
    expect(page.body).toContain('class="s6rc-statechart" data-machine="oneshot"');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);

    const feed = await openEvents(ui.url + 'events');
    streams.push(feed);
    const hello = await feed.next((m) => m.event === 'hello');
    expect(hello.data).toMatchObject({ live: l.live, boot: 1 });
    // First each service's present state.
    expect(status(await feed.next((m) => m.event === 'status' && status(m).name === 'a')).state).toBe('down');
    expect(status(await feed.next((m) => m.event === 'status' && status(m).name === 'b')).state).toBe('down');
    expect(await feed.next((m) => m.event === 'plot')).toMatchObject({ data: { change: null, svg: null } });

    const from = feed.messages.length;
    const r = await s6rcAsync(['-l', l.live, '-u', 'change', 'both']);
    expect(r.code, r.stderr).toBe(0);
    const ready = await feed.next((m) => m.event === 'status' && status(m).name === 'a' && status(m).state === 'ready', 5000, from);
    // It reached the feed within a second of the transition recorded in the log.
    const logged = historyJson(l.run, '--service', 'a').find((e) => e.to === 'ready')!;
    expect(ready.at - Date.parse(logged.time)).toBeLessThan(1000);
    expect(status(await feed.next((m) => m.event === 'status' && status(m).name === 'b' && status(m).state === 'ready', 5000, from)).state).toBe('ready');
    // The new events, the change and its timeline follow.
    await feed.next((m) => m.event === 'history' && (m.data as { event: string }[]).some((e) => e.event === 'change.ended'), 5000, from);
    const rows = feed.messages.slice(from).flatMap((m) => (m.event === 'history' ? (m.data as { seq: number; service: string | null; event: string; cause: string }[]) : []));
    expect(rows.map((e) => e.seq)).toEqual(historyJson(l.run).filter((e) => e.seq >= rows[0].seq).map((e) => e.seq));
    expect(rows.find((e) => e.service === 'a' && e.event === 'run.spawned')?.cause).toMatch(/^pid \d+, by change 1 \(/);
    const plot = await feed.next((m) => m.event === 'plot' && (m.data as { change: { ended: number | null } | null }).change?.ended != null, 5000, from);
    expect(plot.data).toMatchObject({ change: { id: 1, exitCode: 0, argv: `s6rc -l ${l.live} -u change both` } });
    expect((plot.data as { svg: string }).svg).toMatch(/class="bar up done[^"]*" data-service="a"/);
    expect((await feed.next((m) => m.event === 'changes', 5000, from)).data).toMatchObject([{ id: 1 }]);

    // Down again: the feed says so too.
    const again = feed.messages.length;
    expect((await s6rcAsync(['-l', l.live, '-d', 'change', 'a'])).code).toBe(0);
    await feed.next((m) => m.event === 'status' && status(m).name === 'a' && status(m).state === 'down', 5000, again);
  });

  it('answers history and service queries from the log, only GET, only what it knows, and changes nothing', async () => {
    const l = initLive(STACK, lives);
    expect(l.run('change', '-u', 'both').code).toBe(0);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    const seqBefore = historyJson(l.run, '--limit', '1')[0].seq;

    const get = async (path: string) => {
      const r = await request(ui.url + path);
      return { ...r, json: r.headers['content-type']?.startsWith('application/json') ? JSON.parse(r.body) : null };
    };
    const all = await get('history');
    expect(all.status).toBe(200);
    expect(all.json.events.length).toBeGreaterThan(5);
    expect(all.json.lastSeq).toBe(seqBefore);
    // As `history` says it: same seq, time and cause.
    const cli = historyJson(l.run);
    expect(all.json.events.map((e: { seq: number }) => e.seq)).toEqual(cli.map((e) => e.seq));
    for (const [q, test] of [
      ['service=a', (e: { service: string }) => e.service === 'a'],
      ['type=live.up', (e: { event: string }) => e.event === 'live.up'],
      ['change=1', (e: { change: number }) => e.change === 1],
    ] as const) {
      const r = await get(`history?${q}`);
      expect(r.status, q).toBe(200);
      expect(r.json.events.length, q).toBeGreaterThan(0);
      expect(r.json.events.every(test as (e: unknown) => boolean), q).toBe(true);
    }
    expect((await get('history?limit=2')).json.events).toHaveLength(2);
    for (const bad of ['limit=abc', 'limit=0', 'change=-1', 'change=x']) {
      const r = await get(`history?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.error, bad).toMatch(/whole numbers/);
    }

    const a = await get('service?name=a');
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ name: 'a', type: 'longrun', deaths: [] });
    expect(a.json.events.map((e: { event: string }) => e.event)).toContain('run.spawned');
    expect((await get('service?name=b')).json).toMatchObject({ type: 'oneshot' });
    for (const name of ['zork', 'both', '']) {
      const r = await get(`service?name=${name}`);
      expect(r.status, name).toBe(404);
      expect(r.json.error).toBe(`unknown service name: ${name}`);
    }

    for (const path of ['zork', 'events/', 'index.html', 'favicon.ico', '../etc/passwd']) expect((await get(path)).status, path).toBe(404);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      for (const path of ['', 'events', 'history', 'zork']) {
        const r = await request(ui.url + path, { method });
        expect(r.status, `${method} /${path}`).toBe(405);
        expect(r.headers.allow).toBe('GET');
      }
    }
    // Another name for this address (DNS rebinding) is not answered; loopback names are.
    expect((await request(ui.url, { headers: { Host: 'evil.example:80' } })).status).toBe(403);
    expect((await request(ui.url, { headers: { Host: `localhost:${new URL(ui.url).port}` } })).status).toBe(200);

    // Nothing of all that reached the log, nor changed a service.
    expect(historyJson(l.run, '--limit', '1')[0].seq).toBe(seqBefore);
    expect(l.run('status', '-o', 'up').stdout).toBe('a: true\nb: true\n');
  });

  it('refuses a --listen that is not ADDR:PORT, or an operand, with one line and exit 100', () => {
    const BAD = ['nope', '127.0.0.1', '127.0.0.1:', ':7600', '127.0.0.1:65536', '127.0.0.1:http', '127.1:80', '300.1.2.3:80', '[zz]:80', '[127.0.0.1]:80', '::1:80', 'a b:80', '-x:80', ''];
    for (const bad of BAD) expect(parseListenAddress(bad), bad).toBeNull();
    expect(parseListenAddress('127.0.0.1:7600')).toEqual({ host: '127.0.0.1', port: 7600 });
    expect(parseListenAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListenAddress('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
    expect(parseListenAddress('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['nope', '127.0.0.1:65536']) {
      const r = s6rc(['ui', '-l', '/nonexistent', '--listen', bad]);
      expect(r.code, bad).toBe(100);
      expect(r.stderr, bad).toBe(`s6rc: fatal: option --listen expects ADDR:PORT (such as 127.0.0.1:7600), got '${bad}' (usage: s6rc ui [-l live] [-s store] [--listen ADDR:PORT])\n`);
    }
    const r = s6rc(['ui', '-l', '/nonexistent', 'extra']);
    expect(r.code).toBe(100);
    expect(r.stderr).toMatch(/^s6rc: fatal: unexpected operand extra \(usage: s6rc ui/);
  });

  it('without a supervisor says so in one line and exits 111, as the other clients do', () => {
    const l = makeLive(STACK);
    lives.push(l);
    const never = l.run('ui', '--listen', '127.0.0.1:0');
    expect(never.code).toBe(111);
    expect(never.stderr).toBe(`s6rc: fatal: no supervisor is running on ${l.live} (${l.live}/control)\n`);
    // A live directory whose supervisor stopped (its log remains).
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    expect(l.run('shutdown').code).toBe(0);
    const stopped = l.run('ui', '--listen', '127.0.0.1:0');
    expect(stopped.code).toBe(111);
    expect(stopped.stderr).toBe(l.run('status').stderr);
  });

  it('ends with one line and exit 111 when the supervisor goes away, telling the page first', async () => {
    const l = initLive(STACK, lives);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    const feed = await openEvents(ui.url + 'events');
    streams.push(feed);
    await feed.next((m) => m.event === 'hello');
    expect(l.run('shutdown').code).toBe(0);
    expect((await feed.next((m) => m.event === 'gone')).data).toEqual({ message: `The supervisor on ${l.live} went away; s6rc ui stopped.` });
    expect(await ui.exit).toBe(111);
    expect(ui.stderr()).toMatch(new RegExp(`\\ns6rc: fatal: supervisor on ${l.live} went away\\n$`));
  });

  it('redraws the page for the new database after an update, and follows the services it added', async () => {
    const l = initLive(STACK, lives);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    const feed = await openEvents(ui.url + 'events');
    streams.push(feed);
    await feed.next((m) => m.event === 'hello');
    const src = join(l.root, 'source2');
    writeSource(src, { ...STACK, c: { type: 'longrun', run: 'exec sleep 1000' } });
    const next = join(l.root, 'compiled2');
    expect(s6rc(['compile', next, src]).code).toBe(0);
    expect(l.run('update', next).code).toBe(0);
    await feed.next((m) => m.event === 'reload', 5000);
    expect((await request(ui.url)).body).toMatch(/data-service="c"/);
    expect((await request(ui.url + 'service?name=c')).status).toBe(200);
    // The page reloads: a new feed, subscribed to the new service too.
    const again = await openEvents(ui.url + 'events');
    streams.push(again);
    await again.next((m) => m.event === 'status' && status(m).name === 'c');
    const from = again.messages.length;
    expect((await s6rcAsync(['-l', l.live, '-u', 'change', 'c'])).code).toBe(0);
    await again.next((m) => m.event === 'status' && status(m).name === 'c' && status(m).state === 'ready', 5000, from);
    expect(ui.stderr()).toContain('s6rc: info: the supervisor switched databases: page redrawn\n');
  });

  it('exits 0 on SIGTERM, and 111 in one line when its address is taken', async () => {
    const l = initLive(STACK, lives);
    const ui = await startUi(['-l', l.live, '--listen', '127.0.0.1:0']);
    ui.child.kill('SIGTERM');
    expect(await ui.exit, ui.stderr()).toBe(0);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const r = l.run('ui', '--listen', `127.0.0.1:${port}`);
      expect(r.code).toBe(111);
      expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: unable to listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*\\n$`));
    } finally {
      taken.close();
    }
  });
});
