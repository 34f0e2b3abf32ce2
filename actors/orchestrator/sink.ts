/**
 * Where a change's output goes: the client's stdout/stderr through the control
 * socket, batched into one progress message per event-loop turn (a dry run of
 * 3000 services is one write, not 3000), and the exit code the client ends with.
 */
import type { ChangeEnd, ChangePlanned, ChangeStarted, Output, TransitionProgress, UpdateEnd, UpdatePlanned } from '../../protocol/types.js';
import type { Reply } from '../supervisor/api.js';

/**
 * Where the output of a request answered as a change is (`change`, `update`) goes; `End` is what its result holds
 * besides the exit code, `Data` the structured messages it sends along with its text (in order with it).
 */
export interface OutputSink<End, Data> {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends the client's request with this exit code; later calls are ignored. */
  finish(exitCode: number, end: End): void;
  /** Ends it with an error the client reports as `s6rc: fatal: message` and this exit code. */
  fail(exitCode: number, message: string): void;
  /** True once the client went away or was answered. */
  readonly closed: boolean;
  /** Called once if the client goes away before `finish`. */
  onGone(listener: () => void): void;
  /** A structured message, sent in order with the text. */
  data(message: Data): void;
}

/** A change's sink: its output, its id first, with `events` its plan and steps, and how it ended. */
export type ChangeSink = OutputSink<ChangeEnd, ChangeStarted | ChangePlanned | TransitionProgress>;

/** An update's sink: its output, with `events` its plan and its phases' plans and steps, and how it ended. */
export type UpdateSink = OutputSink<UpdateEnd, UpdatePlanned | ChangePlanned | TransitionProgress>;

/** A sink over a socket reply (progress `{ out, err }` and the data messages, end `{ exitCode, ...end }`). */
export function replySink(reply: Reply<'change'>): ChangeSink;
export function replySink(reply: Reply<'update'>): UpdateSink;
export function replySink(reply: Reply<'change' | 'update'>): ChangeSink | UpdateSink {
  let out = '';
  let err = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!out && !err) return;
    const message: Output = {};
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
    stdout(text: string) {
      out += text;
      later();
    },
    stderr(text: string) {
      err += text;
      later();
    },
    data(message: ChangeStarted | ChangePlanned | TransitionProgress | UpdatePlanned) {
      flush();
      reply.progress(message);
    },
    finish(exitCode: number, end: ChangeEnd | UpdateEnd) {
      if (reply.closed) return;
      flush();
      reply.end({ exitCode, ...end });
    },
    fail(exitCode: number, message: string) {
      if (reply.closed) return;
      flush();
      reply.fail(exitCode, message);
    },
    get closed() {
      return reply.closed;
    },
    onGone(listener: () => void) {
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
