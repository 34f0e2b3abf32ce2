/**
 * Where a change's output goes: the client's stdout/stderr through the control
 * socket, batched into one progress message per event-loop turn (a dry run of
 * 3000 services is one write, not 3000), and the exit code the client ends with.
 */
import type { Reply } from '../supervisor/api.js';

export interface ChangeSink {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Any other progress data (e.g. `{ changeId }`), sent in order with the text. */
  data(message: Record<string, unknown>): void;
  /** Ends the client's request with this exit code; later calls are ignored. */
  finish(exitCode: number, extra?: Record<string, unknown>): void;
  /** Ends it with an error the client reports as `s6rc: fatal: message` and this exit code. */
  fail(exitCode: number, message: string): void;
  /** True once the client went away or was answered. */
  readonly closed: boolean;
  /** Called once if the client goes away before `finish`. */
  onGone(listener: () => void): void;
}

/** A sink over a socket reply (progress `{ out, err }`, end `{ exitCode }`). */
export function replySink(reply: Reply): ChangeSink {
  let out = '';
  let err = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!out && !err) return;
    const message: Record<string, unknown> = {};
    if (out) message.out = out;
    if (err) message.err = err;
    out = err = '';
    reply.progress(message);
  };
  const later = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return {
    stdout(text) {
      out += text;
      later();
    },
    stderr(text) {
      err += text;
      later();
    },
    data(message) {
      flush();
      reply.progress(message);
    },
    finish(exitCode, extra = {}) {
      if (reply.closed) return;
      flush();
      reply.end({ exitCode, ...extra });
    },
    fail(exitCode, message) {
      if (reply.closed) return;
      flush();
      reply.fail(exitCode, message);
    },
    get closed() {
      return reply.closed;
    },
    onGone(listener) {
      reply.onClose(listener);
    },
  };
}

/** A sink that prints nothing (for `downAll` and other internal changes), optionally forwarding stderr lines. */
export function silentSink(onText?: (text: string) => void): ChangeSink {
  let closed = false;
  return {
    stdout: (t) => onText?.(t),
    stderr: (t) => onText?.(t),
    data: () => {},
    finish: () => {
      closed = true;
    },
    fail: (_code, message) => {
      closed = true;
      onText?.(`s6rc: fatal: ${message}\n`);
    },
    get closed() {
      return closed;
    },
    onGone: () => {},
  };
}
