/**
 * The three kinds of probe attempt (machines/model.ts `Probe`), each an
 * `Attempt` for poller.ts: a tcp connect (tcpConnect.ts), an http GET and a
 * check program.
 * Every failure, refused connection and timeout included, is a settled
 * attempt with a one-line reason, never a thrown or unhandled error.
 */
import { request, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Probe } from '../../machines/model.js';
import type { Attempt } from './poller.js';
import { signalGroup } from './signals.js';
import { SpawnError, spawnErrorMessage, spawnProcess } from './spawnProcess.js';
import { connectOnce, errnoWords, tcpTarget, type AbortConnect, type TcpTarget } from './tcpConnect.js';

/** The attempt `probe` describes; `serviceDir` is an exec probe's working directory. */
export function probeAttempt(probe: Probe, serviceDir: string): Attempt {
  if (probe.kind === 'tcp') return new TcpAttempt(probe.target);
  if (probe.kind === 'http') return new HttpAttempt(probe.target);
  return new ExecAttempt(serviceDir, probe.checkProgram);
}

/** What a reason starts with: `tcp 127.0.0.1:8080`, `http http://host/health`, `exec ./data/check`. */
export function probeLabel(probe: Probe): string {
  return oneLine(probe.kind === 'exec' ? `exec ${probe.checkProgram.join(' ')}` : `${probe.kind} ${probe.target}`);
}

/** Reasons end up in one-line events and log lines. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ');
}

/** `HOST:PORT` or `[v6]:PORT` (checked at compile time by store/source/health.ts) to connect()'s options. */
export function splitHostPort(target: string): { host: string; port: number } {
  const colon = target.lastIndexOf(':');
  let host = target.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(target.slice(colon + 1)) };
}

/** A socket error in words: "connection refused", else the errno, else the message. */
function socketFailure(error: NodeJS.ErrnoException): string {
  if (error.code?.startsWith('HPE_')) return `bad http response (${error.code})`;
  return error.code ? errnoWords(error.code) : oneLine(error.message);
}

/** Success = the connection is accepted; it is closed at once (tcpConnect.ts). */
class TcpAttempt implements Attempt {
  private readonly target: TcpTarget;
  private abortConnect: AbortConnect | null = null;
  private settle: ((failure: string | null) => void) | null = null;

  constructor(target: string) {
    const { host, port } = splitHostPort(target);
    this.target = tcpTarget(host, port);
  }

  start(settle: (failure: string | null) => void): void {
    this.settle = settle;
    this.abortConnect = connectOnce(this.target, this.connected);
  }

  abort(): void {
    this.settle = null;
    this.abortConnect?.();
    this.abortConnect = null;
  }

  private readonly connected = (failure: string | null) => {
    const settle = this.settle;
    this.settle = null;
    this.abortConnect = null;
    settle?.(failure);
  };
}

/** Success = a 2xx status line; the body is not read, redirects are not followed. */
class HttpAttempt implements Attempt {
  private readonly options: RequestOptions;
  private req: ClientRequest | null = null;
  private settle: ((failure: string | null) => void) | null = null;

  constructor(target: string) {
    const url = new URL(target);
    this.options = {
      // A fresh connection each time, closed after the answer: nothing pooled between attempts.
      agent: false,
      method: 'GET',
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? 80 : Number(url.port),
      path: url.pathname + url.search,
      headers: { 'user-agent': 's6rc-probe', connection: 'close' },
    };
  }

  start(settle: (failure: string | null) => void): void {
    this.settle = settle;
    const req = (this.req = request(this.options, this.onResponse));
    req.on('error', this.onError);
    req.end();
  }

  abort(): void {
    this.done();
  }

  private readonly onResponse = (res: IncomingMessage) => {
    const status = res.statusCode ?? 0;
    this.done()?.(status >= 200 && status < 300 ? null : `status ${status}`);
  };
  private readonly onError = (error: Error) => this.done()?.(socketFailure(error));

  private done(): ((failure: string | null) => void) | null {
    const settle = this.settle;
    const req = this.req;
    this.settle = null;
    this.req = null;
    if (req) {
      req.off('error', this.onError).on('error', ignore);
      // Closes the socket, and with it the response, whatever is left of its body.
      req.destroy();
    }
    return settle;
  }
}

/**
 * Success = the check program exits 0. It runs in the service directory with
 * stdio on /dev/null, leading its own session (as run does), so a timeout or
 * a cancel kills it and whatever it forked as one process group.
 */
export class ExecAttempt implements Attempt {
  private pid: number | null = null;
  /** Tells a late exit of an aborted attempt from the running attempt's. */
  private generation = 0;
  private settle: ((failure: string | null) => void) | null = null;
  private readonly file: string;
  private readonly args: string[];

  constructor(
    private readonly cwd: string,
    argv: string[],
  ) {
    [this.file, ...this.args] = argv;
  }

  start(settle: (failure: string | null) => void): void {
    this.settle = settle;
    const generation = ++this.generation;
    try {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (generation === this.generation) this.take()?.(code === 0 ? null : code !== null ? `exit ${code}` : `killed by ${signal}`);
      };
      this.pid = spawnProcess(this.file, this.args, { cwd: this.cwd, stdio: 'ignore', newSession: true }, { onExit }).pid;
    } catch (error) {
      // Settled on a later turn in any case: child_process reports the errno asynchronously.
      const message = error instanceof SpawnError ? spawnErrorMessage(error) : Promise.resolve(`unable to spawn ${this.file}: ${(error as Error).message}`);
      void message.then((text) => {
        if (generation === this.generation) this.take()?.(oneLine(text));
      });
    }
  }

  abort(): void {
    const pid = this.pid;
    this.take();
    if (pid !== null) signalGroup(pid, 'SIGKILL');
  }

  private take(): ((failure: string | null) => void) | null {
    const settle = this.settle;
    this.settle = null;
    this.pid = null;
    return settle;
  }
}

function ignore(): void {}
