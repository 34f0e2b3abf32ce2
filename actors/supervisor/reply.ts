import type { Op, ProgressOf, Results } from '../../protocol/types.js';
import type { Reply } from './api.js';
import { oneLine } from '../../protocol/oneLine.js';

/** Writes one protocol line to the connection (buffered per event-loop turn by the server). */
export type LineWriter = { write(line: string): void; readonly destroyed: boolean };

/**
 * One request's answer stream on a control connection (docs/protocol.md):
 * any number of `progress` lines, then exactly one `result` or `error`.
 * Writes after the end, or after the client went away, are dropped.
 */
export class SocketReply implements Reply<Op> {
  private ended = false;
  private gone = false;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly socket: LineWriter,
    readonly id: unknown,
    private readonly onEnd: (reply: SocketReply) => void,
    /** Runs before the final line is written: the supervisor commits its log here, so a client that reads the store after a reply sees everything the request did. */
    private readonly beforeEnd?: () => void,
  ) {}

  /** Also true once the connection is destroyed, before its 'close' abandons the request: nothing more can reach the client. */
  get closed(): boolean {
    return this.ended || this.gone || this.socket.destroyed;
  }

  progress(message: ProgressOf<Op>): void {
    this.write({ id: this.id, type: 'progress', data: message });
  }

  end(result: Results[Op]): void {
    if (this.closed) return;
    this.beforeEnd?.();
    this.write({ id: this.id, type: 'result', data: result });
    this.finish();
  }

  fail(exitCode: number, message: string): void {
    if (this.closed) return;
    this.beforeEnd?.();
    // One line, as the protocol promises, whatever a name in it holds (a service asked for as `a<newline>b`).
    this.write({ id: this.id, type: 'error', exitCode, message: oneLine(message) });
    this.finish();
  }

  onClose(listener: () => void): void {
    if (this.gone) queueMicrotask(listener);
    else if (!this.ended) this.listeners.push(listener);
  }

  /** The client disconnected or cancelled this request before it ended. */
  abandon(): void {
    if (this.ended || this.gone) return;
    this.gone = true;
    const ls = this.listeners;
    this.listeners = [];
    this.onEnd(this);
    for (const l of ls) {
      try {
        l();
      } catch (err) {
        process.stderr.write(`s6rc: warning: onClose listener of request ${String(this.id)} failed: ${(err as Error).message}\n`);
      }
    }
  }

  private finish(): void {
    this.ended = true;
    this.listeners = [];
    this.onEnd(this);
  }

  private write(obj: Record<string, unknown>): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(JSON.stringify(obj) + '\n');
  }
}
