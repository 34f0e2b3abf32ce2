/**
 * What the supervisor offers the code running inside it (the orchestrator,
 * socket operations). Implemented in actors/supervisor/; the orchestrator
 * (actors/orchestrator/) and the socket ops are written against this.
 */
import type { ChangeEvent, PayloadOf, SupervisorEvent } from '../../machines/events.js';
import type { CompiledModel } from '../../machines/model.js';
import type { Op, ProgressOf, Requests, Results } from '../../protocol/types.js';
import type { DatabaseRef } from '../../store/events/types.js';
import type { ServiceHandle } from '../service/types.js';

/** The row columns an entry may set besides its event. */
interface EntryColumns {
  service?: string | null;
  changeId?: number | null;
  from?: string | null;
  to?: string | null;
  /** ms since the epoch; defaults to now. */
  time?: number;
}

/**
 * One event that is not a service actor's own: a change's or the supervisor's
 * (machines/events.ts), its payload typed by its type. Live edges and the
 * start and end of a change have their own methods below.
 */
export type LogEntry = {
  [T in Exclude<(ChangeEvent | SupervisorEvent)['type'], 'change.started' | 'change.ended'> | 'log.pruned']: EntryColumns & { type: T; payload: PayloadOf<T> };
}[Exclude<(ChangeEvent | SupervisorEvent)['type'], 'change.started' | 'change.ended'> | 'log.pruned'];

/** The event log as the supervisor's inhabitants write it. Appends are batched per event-loop turn. */
export interface EventLog {
  append(entry: LogEntry): void;
  /** Registers a change invocation (a row in `changes` + a `change.started` event); returns its id. */
  startChange(argv: string[], user: string): number;
  /** Closes it: exit code and counts go into `changes`, plus a `change.ended` event. */
  endChange(id: number, exitCode: number, done: number, failed: number): void;
  /** Records a successful transition in the live state (a `live.up`/`live.down` event + `live_state`). */
  setLive(service: string, up: boolean, changeId: number | null): void;
  /** What s6rc considers up (the `live_state` projection). */
  liveSet(): Set<string>;
  /** Commits everything queued now (before answering a client that will read the store). */
  flush(): void;
}

/**
 * A streaming reply to one `O` request on the control socket
 * (docs/protocol.md): its progress and result have that op's types.
 */
export interface Reply<O extends Op> {
  /** A progress message; the client prints or acts on it. */
  progress(message: ProgressOf<O>): void;
  /** The final answer; ends the request. */
  end(result: Results[O]): void;
  /** Ends the request with an error the client reports as `s6rc: fatal: message` and `exitCode`. */
  fail(exitCode: number, message: string): void;
  /** True once the client went away or the request ended. */
  readonly closed: boolean;
  /** Called once if the client disconnects before the request ended. */
  onClose(listener: () => void): void;
}

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/**
 * A request as it arrives: the fields its op names, each of unknown type.
 * A request is JSON from whoever can connect, so a handler checks each
 * field it reads; reading a field the protocol does not name fails to compile.
 */
export type Unchecked<R> = { readonly [K in KeysOfUnion<R>]?: unknown };

/** Answers one `O` request. */
export type OpHandler<O extends Op> = (request: Unchecked<Requests[O]>, reply: Reply<O>, supervisor: SupervisorApi) => void | Promise<void>;

/** One handler per operation of protocol/types.ts. */
export type OpHandlers = { [O in Op]: OpHandler<O> };

/** The operations a change engine adds (actors/orchestrator/ops.ts); the supervisor answers the others itself (ops/builtinOps.ts). */
export type EngineOp = 'change' | 'change-cancel' | 'update' | 'list' | 'listall' | 'diff' | 'reconcile';
export type BuiltinOp = Exclude<Op, EngineOp>;

export interface SupervisorApi {
  readonly live: string;
  /** The compiled database it runs under now (`update` switches it). */
  readonly model: CompiledModel;
  /** One handle per atomic service. */
  readonly services: ReadonlyMap<string, ServiceHandle>;
  readonly log: EventLog;
  readonly boot: number;
  /**
   * Switches to another compiled database (`update`), its commit in the event
   * log first; services keep running under their new definition (renamed
   * through `conversions`: old name → new name), those gone are dropped.
   */
  switchDatabase(next: CompiledModel, database: DatabaseRef, conversions: ReadonlyMap<string, string>, changeId: number | null): void;
}

/**
 * The change engine a supervisor hosts (actors/orchestrator/'s Orchestrator):
 * its socket operations, and the orchestrated `-Da change` a shutdown runs
 * first (it records the change and the live state itself).
 */
export interface ChangeEngine {
  ops(): Pick<OpHandlers, EngineOp>;
  downAll(options: { timeout?: number; argv?: string[]; user?: string; onText?: (text: string) => void }): Promise<unknown>;
}
