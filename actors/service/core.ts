// The Observable class alone: the 'rxjs' entry loads every operator (more supervisor
// RSS); this is the same module file 'rxjs' re-exports, so it is the same class.
import { Observable } from 'rxjs/internal/Observable';
import type { AnyMachineSnapshot } from 'xstate';
import type { ServiceEvent } from '../../machines/events.js';
import type { ServiceContextBase } from '../../machines/service/events.js';
import type { Effect, Step } from '../../machines/service/step.js';
import { toStatus } from './status.js';
import type { ServiceEventRecord, ServiceState, ServiceStatus } from './types.js';

/** The implementation of every effect a machine names: a missing one is a compile error. */
export type EffectImplementations<Name extends string, Context, Event> = {
  [N in Name]: (args: { context: Context; event: Event }) => void;
};

interface CoreOptions<Name extends string, Context extends ServiceContextBase, Event extends ServiceEvent> {
  name: string;
  type: 'longrun' | 'oneshot';
  /** The machine's step (machines/service/step.ts), the same function replay folds with. */
  step: Step<Name, Context, Event>;
  /** Where the actor starts: its machine's initial snapshot, or a restored one. */
  initial: AnyMachineSnapshot;
  effects: EffectImplementations<Name, Context, Event>;
  sink(records: ServiceEventRecord[]): void;
  now: () => number;
}

/** The stable states: a change that asked for them is over once reached. */
const SETTLED = new Set<ServiceState>(['down', 'ready', 'failed']);
/** Requests: each starts a transition on behalf of its change, or of none. */
const REQUESTS = new Set(['up', 'down', 'once', 'reload']);

/** An event as the actor's own code sends it: `time` is stamped on delivery. */
export type Unstamped<Event> = Event extends unknown ? Omit<Event, 'time'> & { time?: number } : never;

/**
 * One service's actor: for each event, the machine's step gives the next
 * snapshot and the effects; the event is recorded (the sink appends it to the
 * event log, with the snapshot's context as the projection), then the effects
 * are performed, then status listeners hear of it. Events sent while one is
 * being handled (effects may send) are queued and delivered in order. Also
 * keeps the change id of the request being carried out.
 */
export class ServiceCore<Name extends string, Context extends ServiceContextBase, Event extends ServiceEvent> {
  /** The service's name (`update` may rename it: records carry the new one from then on). */
  name: string;
  private snapshot: AnyMachineSnapshot;
  private readonly queue: Event[] = [];
  private delivering = false;
  private disposed = false;
  private changeId: number | null = null;
  /** A oneshot's reload script is due or running: its events belong to the reload's change. */
  private reloading = false;
  private listeners: Set<(status: ServiceStatus) => void> | null = null;
  private observable: Observable<ServiceStatus> | null = null;

  constructor(private readonly options: CoreOptions<Name, Context, Event>) {
    this.name = options.name;
    this.snapshot = options.initial;
  }

  get state(): ServiceState {
    return this.snapshot.value as ServiceState;
  }

  get context(): Context {
    return this.snapshot.context as Context;
  }

  /** Stamps `time` and delivers the event after any event being handled. */
  send(event: Unstamped<Event>): void {
    if (this.disposed) return;
    const stamped = { ...event, time: event.time ?? this.options.now() } as unknown as Event;
    this.queue.push(stamped);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: Event): void {
    const from = this.state;
    // up, down, once, reload, and a longrun's reload signal carry the change they are part of.
    if (REQUESTS.has(event.type) || 'changeId' in event) this.changeId = (event as { changeId?: number | null }).changeId ?? null;
    if (event.type === 'reload') this.reloading = true;
    else if (this.reloading && (event.type === 'script.exited' || event.type === 'script.spawnFailed')) this.reloading = false;
    const { snapshot, effects } = this.options.step(this.snapshot, event);
    this.snapshot = snapshot;
    const to = snapshot.value as ServiceState;
    const { type, ...payload } = event;
    const changeId = this.changeId;
    // Once settled, later events (a crash, a respawn) were not caused by that change.
    if (SETTLED.has(to) && !this.reloading) this.changeId = null;
    this.options.sink([{ time: event.time, service: this.name, type, from, to, payload, changeId, context: snapshot.context }]);
    for (const effect of effects) this.perform(effect);
    if (this.listeners?.size) {
      const status = this.status();
      for (const listener of this.listeners) listener(status);
    }
  }

  private perform(effect: Effect<Name, Context, Event>): void {
    if (this.disposed) return;
    try {
      this.options.effects[effect.type]({ context: effect.context, event: effect.event });
    } catch (error) {
      // One failed effect must not take the service's supervision down with it.
      // Effects report expected failures as events.
      process.stderr.write(`s6rc: warning: service ${this.name}: ${effect.type}: ${(error as Error).message}\n`);
    }
  }

  status(): ServiceStatus {
    return toStatus(this.options.type, this.state, this.snapshot.context as ServiceContextBase);
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
    this.listeners?.clear();
  }
}
