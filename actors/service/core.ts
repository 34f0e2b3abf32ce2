// The Observable class alone: the 'rxjs' entry loads every operator (~7 MiB more
// supervisor RSS); this is the same module file 'rxjs' re-exports, so it is the same class.
import { Observable } from 'rxjs/internal/Observable';
import { createActor, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { PersistedService } from '../../machines/service/events.js';
import { toStatus } from './status.js';
import type { ServiceEventRecord, ServiceState, ServiceStatus } from './types.js';

/** An effect implementation: receives the machine context (after the assigns before it) and the event. */
export type Effect = (args: { context: any; event: any }) => void;
export type Effects = Record<string, Effect>;

const effectsOf = new WeakMap<AnyActorRef, Effects>();

/**
 * Provides a machine's effect actions once per machine kind: each forwards to
 * the implementation registered for the running actor (`self`). Providing per
 * service would rebuild the whole state-node tree for each of 10,000 actors.
 */
export function provideEffects<M extends AnyStateMachine>(machine: M, names: readonly string[]): M {
  const actions: Record<string, (args: { context: unknown; event: unknown; self: AnyActorRef }) => void> = {};
  for (const name of names) {
    actions[name] = ({ context, event, self }) => {
      try {
        effectsOf.get(self)?.[name]?.({ context, event });
      } catch (error) {
        // An action that throws stops an XState actor for good; one failed effect must not
        // take the service's supervision down with it. Effects report expected failures as events.
        process.stderr.write(`s6rc: warning: service ${(context as { name?: string }).name}: ${name}: ${(error as Error).message}\n`);
      }
    };
  }
  return machine.provide({ actions } as never) as M;
}

interface CoreOptions {
  name: string;
  type: 'longrun' | 'oneshot';
  machine: AnyStateMachine;
  input: unknown;
  restored?: PersistedService;
  effects: Effects;
  sink(records: ServiceEventRecord[]): void;
  now: () => number;
}

/** The stable states: a change that asked for them is over once reached. */
const SETTLED = new Set<ServiceState>(['down', 'ready', 'failed']);

/**
 * One service's XState actor plus what the supervisor needs around it: time
 * stamping, an ordered delivery queue (effects may send events while an event
 * is being processed), a ServiceEventRecord per event to the sink, the change
 * id of the request being carried out, and status listeners.
 */
export class ServiceCore {
  readonly name: string;
  private readonly actor;
  private readonly queue: Array<{ type: string; [key: string]: unknown }> = [];
  private delivering = false;
  private disposed = false;
  private changeId: number | null = null;
  private listeners: Set<(status: ServiceStatus) => void> | null = null;
  private observable: Observable<ServiceStatus> | null = null;

  constructor(private readonly options: CoreOptions) {
    this.name = options.name;
    const { machine, restored } = options;
    this.actor = restored
      ? createActor(machine, { snapshot: machine.resolveState({ value: restored.state, context: restored.context }) })
      : createActor(machine, { input: options.input });
    effectsOf.set(this.actor, options.effects);
    this.actor.start();
  }

  get state(): ServiceState {
    return this.actor.getSnapshot().value as ServiceState;
  }

  get context(): any {
    return this.actor.getSnapshot().context;
  }

  /** Stamps `time` and delivers the event after any event being processed. */
  send(event: { type: string; [key: string]: unknown }): void {
    if (this.disposed) return;
    event.time ??= this.options.now();
    this.queue.push(event);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: { type: string; [key: string]: unknown }): void {
    const from = this.state;
    if (event.type === 'up' || event.type === 'down' || event.type === 'once') {
      this.changeId = (event.changeId as number | null | undefined) ?? null;
    }
    this.actor.send(event as never);
    const snapshot = this.actor.getSnapshot();
    const to = snapshot.value as ServiceState;
    const { type, ...payload } = event;
    const changeId = this.changeId;
    // Once settled, later events (a crash, a respawn) were not caused by that change.
    if (SETTLED.has(to)) this.changeId = null;
    this.options.sink([
      { time: event.time as number, service: this.name, type, from, to, payload, changeId, context: snapshot.context },
    ]);
    if (this.listeners?.size) {
      const status = this.status();
      for (const listener of this.listeners) listener(status);
    }
  }

  status(): ServiceStatus {
    const snapshot = this.actor.getSnapshot();
    return toStatus(this.options.type, snapshot.value as ServiceState, snapshot.context);
  }

  /** Emits the current status, then the status after every event. */
  get status$(): Observable<ServiceStatus> {
    return (this.observable ??= new Observable<ServiceStatus>((subscriber) => {
      const listener = (status: ServiceStatus) => subscriber.next(status);
      subscriber.next(this.status());
      (this.listeners ??= new Set()).add(listener);
      return () => this.listeners?.delete(listener);
    }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.queue.length = 0;
    this.actor.stop();
    this.listeners?.clear();
  }
}
