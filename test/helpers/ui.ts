/**
 * `s6rc ui` as a child process for tests (killed by pid, whatever happened),
 * and a small reader of its server-sent events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get, request as httpRequest, type IncomingMessage } from 'node:http';
import { S6RC } from './cli.js';

export interface UiProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/`, from its `s6rc: info: ui on URL` line. */
  url: string;
  stderr: () => string;
  /** Its exit code (null: killed by a signal). */
  exit: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Starts `s6rc ui args...` and resolves once it says where it listens; rejects with its stderr if it exits first. */
export function startUi(args: string[], env: NodeJS.ProcessEnv = { ...process.env, S6RC_STORE: '' }): Promise<UiProcess> {
  const child = spawn(process.execPath, [S6RC, 'ui', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => {
    if (signal) err += `(killed by ${signal})\n`;
    resolve(code);
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s6rc ui did not say where it listens within 20 s: ${err}`)), 20_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      const m = /^s6rc: info: ui on (http:\/\/\S+)$/m.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => err, exit });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`s6rc ui exited ${code}: ${err}`));
    });
  });
}

/** Kills every ui a test started (by pid); for afterEach. */
export function killUis(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  running.clear();
}

export interface SseMessage {
  event: string;
  data: unknown;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** An open `/events` stream: every message so far, and a wait for the next one that matches. */
export interface SseStream {
  messages: SseMessage[];
  /** Resolves with the first message (already received or to come) matching `test`; rejects after `ms`. */
  next(test: (m: SseMessage) => boolean, ms?: number, from?: number): Promise<SseMessage>;
  close(): void;
}

export function openEvents(url: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
      const messages: SseMessage[] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === undefined || data === undefined) continue;
          messages.push({ event, data: JSON.parse(data), at: Date.now() });
        }
        for (const w of [...waiters]) w();
      });
      res.on('error', () => {});
      resolve({
        messages,
        next: (test, ms = 5000, from = 0) =>
          new Promise((ok, fail) => {
            const look = () => {
              const found = messages.slice(from).find(test);
              if (!found) return false;
              waiters.delete(check);
              clearTimeout(timer);
              ok(found);
              return true;
            };
            const check = () => void look();
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching event within ${ms} ms; got ${messages.map((m) => m.event).join(' ')}`));
            }, ms);
            if (!look()) waiters.add(check);
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** A request with any method and headers, its status, headers and body. */
export function request(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs `s6rc args` without blocking the event loop (so events keep arriving meanwhile). */
export function s6rcAsync(args: string[], env: NodeJS.ProcessEnv = { ...process.env, S6RC_STORE: '' }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [S6RC, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The event log's events as `history --json` prints them. */
export function historyJson(run: (sub: string, ...args: string[]) => { stdout: string }, ...args: string[]): { seq: number; time: string; service: string | null; event: string; from: string | null; to: string | null; change: number | null }[] {
  return run('history', '--json', ...args)
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
