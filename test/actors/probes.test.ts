/**
 * Health probes run inside the supervisor (actors/service/probes.ts) against
 * real listeners on 127.0.0.1 and real check programs. Every server, socket,
 * probe and process a test starts is closed, cancelled or killed by pid in
 * afterEach, even when the test fails.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptTimeout, runReadinessProbe, watchLiveness, type ProbeOutcome } from '../../actors/service/probes.js';
import { CoarseClock, clockNow, gridStep, Ticket } from '../../actors/service/coarseClock.js';
import { poll, type Attempt } from '../../actors/service/poller.js';
import { splitHostPort } from '../../actors/service/probeAttempt.js';
import { connectOnce, connectPath, tcpTarget } from '../../actors/service/tcpConnect.js';
import type { Probe } from '../../machines/model.js';
import { defaultProbe } from '../../store/source/health.js';
import { isAlive, waitUntil } from '../fixtures/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let servers: Server[];
let sockets: Set<Socket>;
let cancels: (() => void)[];
let pidFiles: string[];
let dir: string;

beforeEach(() => {
  servers = [];
  sockets = new Set();
  cancels = [];
  pidFiles = [];
  dir = mkdtempSync(join(tmpdir(), 's6rc-probes-test-'));
  mkdirSync(join(dir, 'data'));
});

afterEach(async () => {
  for (const cancel of cancels) cancel();
  for (const file of pidFiles) {
    if (!existsSync(file)) continue;
    for (const pid of readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** A probe with the parser's defaults for its kind, then `overrides` (short intervals for tests). */
function probe(kind: Probe['kind'], target: string, overrides: Partial<Probe>, liveness = false): Probe {
  return { ...defaultProbe(kind, target, liveness), initialSleep: 0, ...overrides };
}

function track<T extends Server>(server: T): T {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // a probe may hang up at any moment
    socket.resume(); // read (and drop) what comes, so the probe's hang-up is seen
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
}

function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/** A tcp server counting the connections it accepts. */
async function tcpServer(port = 0): Promise<{ server: Server; port: number; accepted: () => number }> {
  let accepted = 0;
  const server = track(createServer(() => accepted++));
  return { server, port: await listen(server, port), accepted: () => accepted };
}

/** A port nothing listens on (bound once, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** An http server answering `status()` to every request, counting them. */
async function httpServer(status: () => number): Promise<{ port: number; requests: () => number; server: Server }> {
  let requests = 0;
  const server = track(
    createHttpServer((_req: IncomingMessage, res: ServerResponse) => {
      requests++;
      const code = status();
      res.writeHead(code, code === 302 ? { location: '/ok' } : {});
      res.end('body');
    }),
  );
  return { server, port: await listen(server), requests: () => requests };
}

/** Starts a readiness probe; its outcome is `result.outcome` once done. */
function readiness(p: Probe): { outcome: ProbeOutcome | null; calls: number } {
  const result = { outcome: null as ProbeOutcome | null, calls: 0 };
  cancels.push(
    runReadinessProbe(p, dir, (outcome) => {
      result.outcome = outcome;
      result.calls++;
    }),
  );
  return result;
}

function liveness(p: Probe): { reasons: string[]; cancel: () => void } {
  const result = { reasons: [] as string[], cancel: () => {} };
  result.cancel = watchLiveness(p, dir, (reason) => result.reasons.push(reason));
  cancels.push(result.cancel);
  return result;
}

/** Writes data/check; it records its pid (and its children's) in data/pids for cleanup. */
function checkScript(body: string): void {
  const path = join(dir, 'data', 'check');
  pidFiles.push(join(dir, 'data', 'pids'));
  writeFileSync(path, `#!/bin/sh\necho $$ >> ./data/pids\n${body}\n`);
  chmodSync(path, 0o755);
}

const ONE_LINE = /^[^\n\r]+$/;

describe('attempt timeouts', () => {
  it('are -t, else -w, at least 1 s for tcp and http', () => {
    expect(attemptTimeout(probe('tcp', '127.0.0.1:1', { waitingTime: 50 }))).toBe(1000);
    expect(attemptTimeout(probe('http', 'http://127.0.0.1:1/', { waitingTime: 5000 }))).toBe(5000);
    expect(attemptTimeout(probe('tcp', '127.0.0.1:1', { waitingTime: 50, localTimeout: 200 }))).toBe(200);
    expect(attemptTimeout(probe('exec', '', { waitingTime: 50 }))).toBe(50);
  });

  it('split HOST:PORT and [v6]:PORT', () => {
    expect(splitHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(splitHostPort('localhost:9')).toEqual({ host: 'localhost', port: 9 });
  });
});

describe('tcp readiness', () => {
  it('is ready only once the port opens', async () => {
    const port = await freePort();
    const r = readiness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 30, tries: 0 }));
    await sleep(300);
    expect(r.outcome).toBeNull();
    const { accepted } = await tcpServer(port);
    await waitUntil(() => r.outcome !== null, 'the probe to see the port open', 2000);
    expect(r.outcome).toEqual({ ready: true });
    expect(accepted()).toBe(1);
    await sleep(100);
    expect(r.calls).toBe(1);
    expect(accepted()).toBe(1); // no attempt after success
  });

  it('counts refused connections as failed attempts and gives up after -n with a reason', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = readiness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 40, tries: 3 }));
    await waitUntil(() => r.outcome !== null, 'the probe to give up', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: `tcp 127.0.0.1:${port}: connection refused (3 attempts)` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(80); // two waits between three attempts
    await sleep(100);
    expect(r.calls).toBe(1);
  });

  it('gives up after -T, saying what the last attempt found', async () => {
    const port = await freePort();
    const r = readiness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 20, tries: 0, globalTimeout: 200 }));
    await sleep(150);
    expect(r.outcome).toBeNull();
    await waitUntil(() => r.outcome !== null, 'the global timeout', 2000);
    expect(r.outcome!.ready).toBe(false);
    expect(r.outcome!.reason).toMatch(ONE_LINE);
    expect(r.outcome!.reason).toMatch(new RegExp(`^tcp 127\\.0\\.0\\.1:${port}: not ready within 200 ms \\(\\d+ attempts, last: connection refused\\)$`));
  });

  it('connects to [::1]:PORT', async (context) => {
    const server = track(createServer());
    let port: number;
    try {
      port = await listen(server, 0, '::1');
    } catch {
      context.skip(); // no IPv6 loopback here
      return;
    }
    const r = readiness(probe('tcp', `[::1]:${port}`, { waitingTime: 30, tries: 2 }));
    await waitUntil(() => r.outcome !== null, 'the probe over ::1', 2000);
    expect(r.outcome).toEqual({ ready: true });
  });

  it('a name is looked up: localhost', async () => {
    const { port } = await tcpServer();
    const r = readiness(probe('tcp', `localhost:${port}`, { waitingTime: 30, tries: 3 }));
    await waitUntil(() => r.outcome !== null, 'the probe over localhost', 2000);
    // Where localhost resolves to ::1 first, Node tries 127.0.0.1 next (autoSelectFamily).
    expect(r.outcome).toEqual({ ready: true });
  });
});

describe('http readiness', () => {
  it('is ready on a 2xx answer', async () => {
    const { port, requests } = await httpServer(() => 204);
    const r = readiness(probe('http', `http://127.0.0.1:${port}/health?x=1`, { waitingTime: 30, tries: 3 }));
    await waitUntil(() => r.outcome !== null, 'the http probe', 2000);
    expect(r.outcome).toEqual({ ready: true });
    expect(requests()).toBe(1);
  });

  it('is not ready on 503, and becomes ready when the answer turns 200', async () => {
    let status = 503;
    const { port, requests } = await httpServer(() => status);
    const failing = readiness(probe('http', `http://127.0.0.1:${port}/health`, { waitingTime: 30, tries: 2 }));
    await waitUntil(() => failing.outcome !== null, 'the http probe to give up', 2000);
    expect(failing.outcome).toEqual({ ready: false, reason: `http http://127.0.0.1:${port}/health: status 503 (2 attempts)` });
    expect(requests()).toBe(2);

    const r = readiness(probe('http', `http://127.0.0.1:${port}/health`, { waitingTime: 30, tries: 0 }));
    await sleep(150);
    expect(r.outcome).toBeNull();
    status = 200;
    await waitUntil(() => r.outcome !== null, 'the http probe to see 200', 2000);
    expect(r.outcome).toEqual({ ready: true });
  });

  it('follows no redirect: a 302 is a failed attempt', async () => {
    const { port, requests } = await httpServer(() => 302);
    const r = readiness(probe('http', `http://127.0.0.1:${port}/`, { waitingTime: 30, tries: 1 }));
    await waitUntil(() => r.outcome !== null, 'the http probe', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: `http http://127.0.0.1:${port}/: status 302 (1 attempt)` });
    expect(requests()).toBe(1);
  });

  it('times out on a server that accepts but never answers, and hangs up', async () => {
    const { server, port, accepted } = await tcpServer();
    const r = readiness(probe('http', `http://127.0.0.1:${port}/`, { waitingTime: 30, localTimeout: 200, tries: 2 }));
    await waitUntil(() => r.outcome !== null, 'the http probe to time out', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: `http http://127.0.0.1:${port}/: timed out after 200 ms (2 attempts)` });
    expect(accepted()).toBe(2);
    await waitUntil(() => sockets.size === 0, 'the probe to close its connections', 1000);
    await new Promise<void>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : (expect(n).toBe(0), resolve()))));
  });

  it('a refused connection is a failed attempt with a reason', async () => {
    const port = await freePort();
    const r = readiness(probe('http', `http://127.0.0.1:${port}/`, { waitingTime: 20, tries: 2 }));
    await waitUntil(() => r.outcome !== null, 'the http probe', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: `http http://127.0.0.1:${port}/: connection refused (2 attempts)` });
  });
});

describe('exec readiness', () => {
  it('runs the check in the service directory until it exits 0', async () => {
    // Exits 1 on its first run, 0 on the next.
    checkScript('[ -e ./data/seen ] && exit 0\ntouch ./data/seen\nexit 1');
    const r = readiness(probe('exec', '', { waitingTime: 50, tries: 5 }));
    await waitUntil(() => r.outcome !== null, 'the check to succeed', 2000);
    expect(r.outcome).toEqual({ ready: true });
    expect(readFileSync(join(dir, 'data', 'pids'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('gives up after -n with the exit code', async () => {
    checkScript('exit 3');
    const r = readiness(probe('exec', '', { waitingTime: 20, tries: 2 }));
    await waitUntil(() => r.outcome !== null, 'the check to give up', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: 'exec ./data/check: exit 3 (2 attempts)' });
  });

  it('kills a check that hangs at the attempt timeout, with what it forked', async () => {
    checkScript('sleep 100 &\necho $! >> ./data/pids\nwait');
    const r = readiness(probe('exec', '', { waitingTime: 20, localTimeout: 200, tries: 1 }));
    await waitUntil(() => r.outcome !== null, 'the check to time out', 2000);
    expect(r.outcome).toEqual({ ready: false, reason: 'exec ./data/check: timed out after 200 ms (1 attempt)' });
    const pids = readFileSync(join(dir, 'data', 'pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), 'the check and its child to die', 1000);
  });

  it('a missing check program is a failed attempt', async () => {
    const r = readiness(probe('exec', '', { waitingTime: 20, tries: 2, checkProgram: ['./data/missing'] }));
    await waitUntil(() => r.outcome !== null, 'the probe to give up', 2000);
    expect(r.outcome!.ready).toBe(false);
    expect(r.outcome!.reason).toMatch(/^exec \.\/data\/missing: unable to spawn \.\/data\/missing: no such file.* \(2 attempts\)$/);
  });

  it('cancel kills a running check', async () => {
    checkScript('exec sleep 100');
    const r = readiness(probe('exec', '', { waitingTime: 20, localTimeout: 10_000, tries: 1 }));
    await waitUntil(() => existsSync(join(dir, 'data', 'pids')), 'the check to start', 2000);
    const [pid] = readFileSync(join(dir, 'data', 'pids'), 'utf8').trim().split('\n').map(Number);
    cancels.pop()!();
    await waitUntil(() => !isAlive(pid), 'the check to be killed', 1000);
    await sleep(50);
    expect(r.calls).toBe(0);
  });
});

describe('liveness', () => {
  it('a healthy server is never dead', async () => {
    const { accepted } = await tcpServer();
    const port = (servers[0].address() as { port: number }).port;
    const l = liveness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 25, failureThreshold: 2 }, true));
    await sleep(400);
    expect(l.reasons).toEqual([]);
    expect(accepted()).toBeGreaterThanOrEqual(5);
  });

  it('after -f consecutive failures calls onDead once, with a reason, and stops', async () => {
    let status = 200;
    const { port, requests } = await httpServer(() => status);
    const l = liveness(probe('http', `http://127.0.0.1:${port}/health`, { waitingTime: 25, failureThreshold: 3 }, true));
    await waitUntil(() => requests() >= 3, 'a few healthy attempts', 2000);
    status = 503;
    await waitUntil(() => l.reasons.length > 0, 'the service to be declared dead', 2000);
    const seen = requests();
    await sleep(200);
    expect(l.reasons).toEqual([`http http://127.0.0.1:${port}/health: status 503 (3 failures in a row)`]);
    expect(requests()).toBe(seen);
  });

  it('a success resets the count of failures', async () => {
    let n = 0;
    const { port } = await httpServer(() => (++n % 2 === 0 ? 200 : 500)); // fail, ok, fail, ok...
    const l = liveness(probe('http', `http://127.0.0.1:${port}/`, { waitingTime: 20, failureThreshold: 2 }, true));
    await sleep(300);
    expect(n).toBeGreaterThanOrEqual(6);
    expect(l.reasons).toEqual([]);
  });

  it('a closed server: onDead once after -f refused connections', async () => {
    const { server, port, accepted } = await tcpServer();
    const l = liveness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 25, failureThreshold: 3 }, true));
    await waitUntil(() => accepted() >= 2, 'healthy attempts', 2000);
    await new Promise((r) => server.close(r));
    await waitUntil(() => l.reasons.length > 0, 'the service to be declared dead', 2000);
    await sleep(150);
    expect(l.reasons).toEqual([`tcp 127.0.0.1:${port}: connection refused (3 failures in a row)`]);
  });

  it('cancel stops everything: no further attempt, no socket or timer left', async () => {
    const { port, accepted } = await tcpServer();
    const before = process.getActiveResourcesInfo();
    const l = liveness(probe('tcp', `127.0.0.1:${port}`, { waitingTime: 20, failureThreshold: 1 }, true));
    await waitUntil(() => accepted() >= 3, 'a few attempts', 2000);
    l.cancel();
    const seen = accepted();
    await sleep(150);
    expect(accepted()).toBe(seen);
    expect(l.reasons).toEqual([]);
    await waitUntil(() => sockets.size === 0, 'the server side of the probes to close', 1000);
    const count = (list: string[], type: string) => list.filter((t) => t === type).length;
    const after = process.getActiveResourcesInfo();
    expect(count(after, 'TCPSocketWrap')).toBe(count(before, 'TCPSocketWrap'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(before, 'Timeout'));
  });

  it('cancel during an attempt destroys its socket', async () => {
    const { port, accepted } = await tcpServer();
    const l = liveness(probe('http', `http://127.0.0.1:${port}/`, { waitingTime: 20, failureThreshold: 1 }, true));
    await waitUntil(() => accepted() === 1 && sockets.size === 1, 'the request to hang', 2000);
    l.cancel();
    await waitUntil(() => sockets.size === 0, 'the probe to hang up', 1000);
    expect(l.reasons).toEqual([]);
  });
});

describe('a tcp connect, through the tcp handle and through net.Socket', () => {
  /** Resolves with the failure (null: accepted); rejects if `done` came before connectOnce returned. */
  const connect = (path: 'handle' | 'net', host: string, port: number) =>
    new Promise<string | null>((resolve, reject) => {
      let returned = false;
      connectOnce(tcpTarget(host, port), (failure) => (returned ? resolve(failure) : reject(new Error('called synchronously'))), path);
      returned = true;
    });

  it('the supervisor uses the handle here', () => {
    expect(connectPath()).toBe(process.env.S6RC_PROBE_CONNECT === 'net' ? 'net' : 'handle');
  });

  for (const path of ['handle', 'net'] as const) {
    it(`${path}: accepted, refused, aborted; never synchronous, no socket left`, async () => {
      const { port, accepted } = await tcpServer();
      const before = process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length;
      expect(await connect(path, '127.0.0.1', port)).toBeNull();
      expect(await connect(path, '127.0.0.1', await freePort())).toBe('connection refused');
      let called = false;
      connectOnce(tcpTarget('127.0.0.1', port), () => (called = true), path)();
      await waitUntil(() => accepted() >= 1 && sockets.size === 0, 'the server to see the hang-ups', 1000);
      await sleep(20);
      expect(called).toBe(false);
      expect(process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length).toBe(before);
    });
  }

  it('an unreachable address is a failure in words, not an exception', async () => {
    // Port 0 cannot be connected to: refused or not available, depending on the kernel.
    for (const path of ['handle', 'net'] as const) expect(await connect(path, '127.0.0.1', 0)).toMatch(ONE_LINE);
  });
});

describe('the shared clock', () => {
  it('rounds to a grid of at most 5 % of the period', () => {
    expect([1000, 999, 500, 200, 100, 20, 19, 0].map(gridStep)).toEqual([50, 25, 25, 10, 5, 1, 0, 0]);
  });

  it('runs tickets due in the same grid slot in one callback, in order of slots, and cancelled ones never', async () => {
    const clock = new CoarseClock();
    const base = Math.ceil(clockNow() / 10) * 10 + 100;
    let batch: object | null = null;
    const seen: [string, object | null][] = [];
    const ticket = (name: string) =>
      new Ticket(() => {
        if (batch === null) {
          batch = {};
          setImmediate(() => (batch = null));
        }
        seen.push([name, batch]);
      });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(ticket);
    clock.at(c, base + 11, 200); // the next slot, base + 20
    clock.at(a, base + 1, 200);
    clock.at(b, base + 9, 200); // same slot as a: base + 10
    clock.at(d, base + 2, 200);
    clock.cancel(d);
    clock.at(e, base + 3, 200);
    clock.at(e, base + 12, 200); // moved: runs once, with c
    await waitUntil(() => seen.length === 4, 'the tickets to run', 1000);
    await sleep(30);
    expect(seen.map(([name]) => name)).toEqual(['a', 'b', 'c', 'e']);
    expect(seen[0][1]).toBe(seen[1][1]);
    expect(seen[2][1]).toBe(seen[3][1]);
    expect(seen[0][1]).not.toBe(seen[2][1]);
  });

  it('leaves no timer once every ticket is cancelled, and a ticket cancelled and scheduled again still runs', async () => {
    const clock = new CoarseClock();
    const timers = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
    const before = timers();
    let runs = 0;
    const t = new Ticket(() => runs++);
    clock.after(t, 5000);
    expect(timers()).toBe(before + 1);
    clock.cancel(t);
    expect(timers()).toBe(before);
    clock.after(t, 30);
    clock.cancel(t);
    clock.after(t, 30);
    await waitUntil(() => runs === 1, 'the ticket to run', 1000);
    await sleep(50);
    expect(runs).toBe(1);
    expect(timers()).toBe(before);
  });

  it('a poll keeps a fixed rate and never runs two attempts at once', async () => {
    let running = 0;
    let most = 0;
    let attempts = 0;
    const slow: Attempt = {
      start(settle) {
        attempts++;
        most = Math.max(most, ++running);
        setTimeout(() => (running--, settle('no')), 15); // slower than the rate below, some of the time
      },
      abort() {
        running--;
      },
    };
    const stop = poll(slow, { initialSleep: 0, waitingTime: 10, attemptTimeout: 0 }, () => true);
    cancels.push(stop);
    await sleep(400);
    stop();
    expect(most).toBe(1);
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThanOrEqual(400 / 15 + 1);
  });
});
