/**
 * The control-socket client (docs/protocol.md), shared by the CLI's thin
 * clients and the Node API (api/). Loads only node:net and node:path:
 * `status`, `wait` and `svc` must start about as fast as bare node.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { EXIT, Fatal } from '../machines/errors.js';
import { socketAddress, type SocketAddress } from './socketAddress.js';
import type { Answer, Op, ProgressOf, Requests, Results } from './types.js';

/** The supervisor is not there (no socket, refused) or went away before answering. */
export class SupervisorGone extends Error {
  constructor(
    message: string,
    /** True when it was never reached (not running), false when it left mid-request. */
    readonly neverReached: boolean,
  ) {
    super(message);
  }
}

/** A request ended by the client itself (`OpenRequest.cancel`) before its answer. */
export class RequestCancelled extends Error {
  constructor() {
    super('request cancelled');
  }
}

/** One request on the connection: its answer, and a way to end it early. */
export interface OpenRequest<O extends Op> {
  readonly id: number;
  /** The result; rejects with `Fatal`, `SupervisorGone` or, once cancelled, `RequestCancelled`. */
  readonly result: Promise<Results[O]>;
  /** Sends `{"cancel": id}`: the supervisor runs the request's close listeners (a `subscribe` unsubscribes, a `change` stops scheduling). */
  cancel(): void;
}

/**
 * A request waiting for its answer. One map holds the requests of every op;
 * an answer reaches the one with its id, so its data is of that one's op.
 * (Methods, not function properties: TypeScript then lets a `Pending<'status'>`
 * into the map of `Pending<Op>`.)
 */
interface Pending<O extends Op = Op> {
  resolve(data: Results[O]): void;
  reject(err: Error): void;
  progress?(data: ProgressOf<O>): void;
}

/** The connection was closed by this side (`ControlClient.close`) while a request was open. */
export class ConnectionClosed extends Error {
  constructor() {
    super('connection closed');
  }
}

export class ControlClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private buffer = '';
  private closedReason: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly live: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.failAll(new SupervisorGone(`supervisor on ${live} went away`, false)));
  }

  /** Connects to `<live>/control`; a missing or refusing socket is `SupervisorGone` (neverReached). */
  static connect(live: string): Promise<ControlClient> {
    const path = join(live, 'control');
    return new Promise((resolve, reject) => {
      const gone = (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return reject(new SupervisorGone(`no supervisor is running on ${live} (${path})`, true));
        // EACCES: a live directory or socket of another user; say so rather than "not running".
        const why = err.code === 'EACCES' || err.code === 'EPERM' ? `${err.code}: permission denied` : (err.code ?? err.message);
        reject(new SupervisorGone(`unable to connect to the supervisor on ${live} (${path}): ${why}`, true));
      };
      let address: SocketAddress;
      try {
        address = socketAddress(live, 'control');
      } catch (err) {
        return gone(err as NodeJS.ErrnoException);
      }
      const socket = netConnect(address.path);
      socket.once('connect', () => {
        address.release();
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket, live));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        address.release();
        gone(err);
      });
    });
  }

  /**
   * Sends one request; `progress` gets every progress message; resolves with
   * the result, rejects with `Fatal` (the supervisor's error and exit code) or
   * `SupervisorGone`.
   *
   * @example const { services } = await client.request('status', { services: ['web'] });
   */
  request<O extends Op>(op: O, args: Requests[O], progress?: (data: ProgressOf<O>) => void): Promise<Results[O]> {
    return this.open(op, args, progress).result;
  }

  /**
   * `request`, with a handle to cancel it (a `subscribe` never ends otherwise).
   *
   * @example const r = client.open('subscribe', { services: ['web'] }, onStatus); ... r.cancel();
   */
  open<O extends Op>(op: O, args: Requests[O], progress?: (data: ProgressOf<O>) => void): OpenRequest<O> {
    const id = this.nextId++;
    let pending: Pending<O> | undefined;
    const result = this.closedReason
      ? Promise.reject(this.closedReason)
      : new Promise<Results[O]>((resolve, reject) => {
          pending = { resolve, reject, progress };
          this.pending.set(id, pending);
          this.socket.write(JSON.stringify({ ...args, id, op }) + '\n');
        });
    const cancel = () => {
      if (!pending || this.pending.get(id) !== pending) return;
      this.pending.delete(id);
      if (!this.socket.destroyed) this.socket.write(JSON.stringify({ cancel: id }) + '\n');
      pending.reject(new RequestCancelled());
    };
    return { id, result, cancel };
  }

  /** Requests sent and not yet answered (nor cancelled). */
  get openRequests(): number {
    return this.pending.size;
  }

  /** Calls `listener` once the supervisor closes the connection (or it is closed here). */
  onceClosed(listener: () => void): void {
    if (this.socket.destroyed) queueMicrotask(listener);
    else this.socket.once('close', listener);
  }

  /** Closes the connection: the supervisor treats every open request as cancelled, and their promises reject with `ConnectionClosed`. */
  close(): void {
    this.closedReason ??= new ConnectionClosed();
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: Answer;
      try {
        // The supervisor's answers are trusted to have the types of protocol/types.ts.
        msg = JSON.parse(line) as Answer;
      } catch {
        continue;
      }
      if (typeof msg.id !== 'number') continue;
      const p = this.pending.get(msg.id);
      if (!p) continue;
      if (msg.type === 'progress') p.progress?.(msg.data);
      else {
        this.pending.delete(msg.id);
        if (msg.type === 'result') p.resolve(msg.data);
        else p.reject(new Fatal(msg.exitCode ?? EXIT.system, msg.message ?? 'request failed'));
      }
    }
  }

  private failAll(err: Error): void {
    // Closed here first (`close`): that is why, not the supervisor going away.
    this.closedReason ??= err;
    for (const p of this.pending.values()) p.reject(this.closedReason);
    this.pending.clear();
  }
}
