/**
 * `connect()` and the client it returns: s6rc's control socket
 * (docs/protocol.md) as promises and rxjs Observables, over the same
 * connection code as the CLI's thin clients (protocol/client.ts).
 */
import { Observable } from 'rxjs';
import { EXIT } from '../machines/errors.js';
import { ConnectionClosed, ControlClient, RequestCancelled } from '../protocol/client.js';
import { defaultLive } from '../protocol/defaultLive.js';
import type { Op, Requests, Results, StatusView } from '../protocol/types.js';
import { storePath } from '../store/events/storePath.js';
import type { ChangeRow } from '../store/events/types.js';
import type { LoggedEventType } from '../machines/events.js';
import { reload, startChange, startUpdate } from './change.js';
import { S6rcError, toS6rcError } from './errors.js';
import { readChanges, readHistory } from './history.js';
import type {
  ChangeCall,
  ChangeOptions,
  ChangesQuery,
  ConnectOptions,
  HistoryEvent,
  HistoryQuery,
  ListOptions,
  ReloadOptions,
  ReloadResult,
  UpdateCall,
  UpdateOptions,
  WaitOptions,
} from './types.js';
import { checkNames } from './validate.js';
import { wait } from './wait.js';

/** A connection to one supervisor. Every method rejects (or errors) with an `S6rcError`. */
export interface S6rcClient {
  /** The live directory. */
  readonly live: string;

  /**
   * Brings services up or down, as `s6rc change` does: a promise of the
   * report that streams its progress (`ChangeCall`).
   *
   * @example
   *   const report = await s6rc.change({ up: ['web'], timeout: 10_000 });
   *   if (report.exitCode !== 0) console.error(report.failed);
   */
  change(options: ChangeOptions): ChangeCall;

  /** The services' statuses (every atomic service when none is named; bundles stand for their atomics). */
  status(services?: string[]): Promise<StatusView[]>;

  /**
   * The services' statuses as they change: first each one's current status,
   * then one per change (the `subscribe` op; none named: every service).
   * Unsubscribing ends the request on the supervisor. It errors with an
   * `S6rcError` (3 unknown name, 111 the supervisor went away) and completes
   * when the client is closed.
   */
  watch(services?: string[]): Observable<StatusView>;

  /**
   * Resolves with the services' statuses once they reach `until` (`s6rc
   * wait`); rejects with 99 on timeout, 102 if the supervisor goes away, or
   * n (the number that failed permanently) when they cannot.
   */
  wait(services: string[], options?: WaitOptions): Promise<StatusView[]>;

  /** Switches the live directory to another compiled database, as `s6rc update` does (`UpdateCall`). */
  update(compiled: string, options?: UpdateOptions): UpdateCall;

  /** Reloads services that are up, as `s6rc reload` does: a longrun gets its reload-signal, a oneshot runs its reload script. */
  reload(services: string[], options?: ReloadOptions): Promise<ReloadResult>;

  /** s6-rc's `list`: the selection's atomics (`{ all: true }`: what is up). */
  list(options?: ListOptions): Promise<string[]>;

  /** s6-rc's `listall`: the selection closed over dependencies (dependents with `down`). */
  listAll(options?: ListOptions): Promise<string[]>;

  /** s6-rc's `diff`: where the live state and the supervisor disagree. */
  diff(): Promise<Results['diff']>;

  /** The supervisor: pid, boot, services, memory, open requests by op. */
  info(): Promise<Results['info']>;

  /**
   * Events of the event log, oldest first, typed by their `type`; read-only,
   * while the supervisor runs or after it stopped. Loads better-sqlite3 on
   * first use.
   *
   * @example const deaths = await s6rc.history({ service: 'api', type: 'run.exited', limit: 10 });
   */
  history<T extends LoggedEventType = LoggedEventType>(query?: HistoryQuery<T>): Promise<Extract<HistoryEvent, { type: T }>[]>;

  /** The change invocations recorded in the event log (`s6rc history --changes`). */
  changes(query?: ChangesQuery): Promise<ChangeRow[]>;

  /** Closes the connection: a change still running stops scheduling, watches complete, open calls reject. */
  close(): void;
}

/**
 * Connects to the supervisor of a live directory.
 *
 * @example
 *   import { connect } from 's6rc';
 *   const s6rc = await connect({ live: '/run/s6rc' });
 *   try {
 *     await s6rc.change({ up: ['web'] });
 *     console.log(await s6rc.status(['web']));
 *   } finally {
 *     s6rc.close();
 *   }
 */
export async function connect(options: ConnectOptions = {}): Promise<S6rcClient> {
  const live = options.live ?? defaultLive();
  if (typeof live !== 'string' || !live) throw new S6rcError(EXIT.usage, `option live expects a directory, got ${JSON.stringify(live)}`);
  try {
    return new Client(await ControlClient.connect(live), live, options.store);
  } catch (err) {
    throw toS6rcError(err);
  }
}

class Client implements S6rcClient {
  private closed = false;

  constructor(
    private readonly control: ControlClient,
    readonly live: string,
    private readonly store: string | undefined,
  ) {}

  change(options: ChangeOptions): ChangeCall {
    return startChange(this.control, options);
  }

  async status(services: string[] = []): Promise<StatusView[]> {
    return (await this.call('status', { services: checkNames(services, 'services') })).services;
  }

  watch(services: string[] = []): Observable<StatusView> {
    return new Observable<StatusView>((subscriber) => {
      if (this.closed) return subscriber.error(new S6rcError(EXIT.system, 'the client is closed'));
      let names: string[];
      try {
        names = checkNames(services, 'services');
      } catch (err) {
        return subscriber.error(toS6rcError(err));
      }
      const request = this.control.open('subscribe', { services: names }, ({ status }) => subscriber.next(status));
      request.result.then(
        () => subscriber.complete(),
        (err) => {
          if (err instanceof RequestCancelled) return; // unsubscribed
          if (err instanceof ConnectionClosed) return subscriber.complete();
          subscriber.error(toS6rcError(err));
        },
      );
      return () => request.cancel();
    });
  }

  wait(services: string[], options?: WaitOptions): Promise<StatusView[]> {
    return wait(this.control, services, options);
  }

  update(compiled: string, options?: UpdateOptions): UpdateCall {
    return startUpdate(this.control, compiled, options);
  }

  reload(services: string[], options?: ReloadOptions): Promise<ReloadResult> {
    return reload(this.control, services, options);
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    return (await this.call('list', listRequest(options))).services;
  }

  async listAll(options: ListOptions = {}): Promise<string[]> {
    return (await this.call('listall', listRequest(options))).services;
  }

  diff(): Promise<Results['diff']> {
    return this.call('diff', {});
  }

  info(): Promise<Results['info']> {
    return this.call('info', {});
  }

  history<T extends LoggedEventType = LoggedEventType>(query?: HistoryQuery<T>): Promise<Extract<HistoryEvent, { type: T }>[]> {
    return readHistory(storePath(this.live, this.store), query);
  }

  changes(query?: ChangesQuery): Promise<ChangeRow[]> {
    return readChanges(storePath(this.live, this.store), query);
  }

  close(): void {
    this.closed = true;
    this.control.close();
  }

  private async call<O extends Op>(op: O, request: Requests[O]): Promise<Results[O]> {
    try {
      return await this.control.request(op, request);
    } catch (err) {
      throw toS6rcError(err);
    }
  }
}

function listRequest(options: ListOptions): Requests['list'] {
  return {
    names: checkNames(options.services ?? [], 'services'),
    all: options.all === true,
    down: options.down === true,
    hideEssentials: options.hideEssentials === true,
  };
}
