/**
 * Replay, the one fold: logged service events go through the same step the
 * live actors take (machines/service/step.ts, effects dropped), and the
 * `live.up`/`live.down` events into the live set. Pure: the caller reads the
 * log and checkpoints and hands rows in.
 *
 * Rules that mirror the supervisor (actors/supervisor/supervisor.ts):
 * a new boot (events carry their boot) starts every actor fresh in `down`,
 * with `since` = the boot's start; a recovered supervisor keeps its boot, and
 * its actors their state, so the fold simply goes on. Each boot runs under
 * the compiled database it started with until an `update.switched` event
 * moves it to another: renamed actors go on under their new name, those gone
 * are dropped, and events from then on are folded with the new definitions.
 * A `log.dropped` record (events the supervisor could not write) sets the
 * actors and live entries the missing events changed to the state it carries.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { PayloadOf } from '../events.js';
import type { CompiledModel } from '../model.js';
import { longrunMachine } from '../longrun.js';
import { oneshotMachine } from '../oneshot.js';
import { initialServiceSnapshot, restoreServiceSnapshot, stepOf } from '../service/snapshots.js';
import { switchKeys, switchMembers } from '../plan/update.js';

/** One logged event as the fold needs it (a subset of store/events' EventRow). */
export interface FoldEvent {
  seq: number;
  time: number;
  boot: number;
  service: string | null;
  type: string;
  payload: Record<string, unknown>;
}

/** What a checkpoint stores: the folded state of every actor after event `seq`. */
export interface FoldState {
  version: 1;
  seq: number;
  boot: number;
  /** `since` given to fresh actors of this boot. */
  bootStart: number;
  /** The compiled database (its `databases` row) the fold is under; null for logs that do not record it. */
  database?: number | null;
  services: Record<string, { value: string; context: Record<string, unknown> }>;
  live: string[];
}

export interface Folder {
  /** Applies one event; events for unknown services or of types the machine does not know change nothing. */
  apply(e: FoldEvent): void;
  /** The current fold, as a checkpoint would store it. */
  state(): FoldState;
  readonly seq: number;
  /** Events applied to machines so far. */
  readonly applied: number;
}

type Kind = 'longrun' | 'oneshot';

function eventTypes(machine: AnyStateMachine): Set<string> {
  const types = new Set<string>();
  const visit = (node: AnyStateMachine['root']) => {
    for (const t of node.transitions.keys()) types.add(t);
    for (const child of Object.values(node.states)) visit(child as AnyStateMachine['root']);
  };
  visit(machine.root);
  return types;
}

/**
 * Starts a fold at `from` (a checkpoint) or from nothing. `bootStarts` gives
 * each boot's start time (the `boots` table).
 *
 * @example
 *   const f = createFolder(model, bootStarts);
 *   for (const e of events) f.apply(e);
 *   f.state().services.web.value // 'ready'
 */
/** Where the fold finds the compiled databases a log ran under (none given: the one `model` for everything). */
export interface Databases {
  /** The database a boot started with (its `databases` row id), if recorded. */
  firstOf(boot: number): number | null;
  /** The model of a recorded database, or null when it cannot be read (the fold keeps the one it has). */
  model(database: number): CompiledModel | null;
}

export function createFolder(fallback: CompiledModel, bootStarts: ReadonlyMap<number, number>, from?: FoldState, databases?: Databases): Folder {
  let database = from?.database ?? null;
  let model = (database !== null ? databases?.model(database) : null) ?? fallback;
  const known: Record<Kind, Set<string>> = { longrun: eventTypes(longrunMachine as AnyStateMachine), oneshot: eventTypes(oneshotMachine as AnyStateMachine) };
  const snapshots = new Map<string, AnyMachineSnapshot>();
  let boot = from?.boot ?? 0;
  let bootStart = from?.bootStart ?? 0;
  let seq = from?.seq ?? 0;
  let applied = 0;
  const live = new Set(from?.live ?? []);

  if (from) {
    for (const [name, p] of Object.entries(from.services)) {
      const s = model.services.get(name);
      if (!s || s.type === 'bundle') continue;
      snapshots.set(name, restoreServiceSnapshot(s.type, { state: p.value as never, context: p.context as never }));
    }
  }

  /** As the supervisor's switchDatabase: renamed actors and live entries follow, removed ones go. */
  const switchDatabase = (change: PayloadOf<'update.switched'>) => {
    const renames = change.renames.map(({ from, to }) => [from, to] as const);
    switchKeys(snapshots, renames, change.removed);
    switchMembers(live, renames, change.removed);
    database = change.database;
    model = databases?.model(change.database) ?? model;
  };

  /** Past a gap of dropped events, the actors and live entries they changed take the state the record carries. */
  const resync = (gap: PayloadOf<'log.dropped'>) => {
    for (const [name, a] of Object.entries(gap.actors ?? {})) {
      const s = model.services.get(name);
      if (!s || s.type === 'bundle') continue;
      snapshots.set(name, restoreServiceSnapshot(s.type, { state: a.state as never, context: a.context as never }));
    }
    for (const [name, up] of Object.entries(gap.live ?? {})) {
      if (up) live.add(name);
      else live.delete(name);
    }
  };

  return {
    apply(e) {
      seq = e.seq;
      if (e.boot !== boot) {
        // A new boot: the supervisor built every actor afresh, under the database it started with.
        boot = e.boot;
        bootStart = bootStarts.get(e.boot) ?? e.time;
        snapshots.clear();
        database = databases?.firstOf(e.boot) ?? null;
        model = (database !== null ? databases?.model(database) : null) ?? fallback;
      }
      if (e.type === 'update.switched') return switchDatabase(e.payload as unknown as PayloadOf<'update.switched'>);
      if (e.type === 'log.dropped') return resync(e.payload as unknown as PayloadOf<'log.dropped'>);
      if (e.service === null) return;
      if (e.type === 'live.up' || e.type === 'live.down') {
        if (e.type === 'live.up') live.add(e.service);
        else live.delete(e.service);
        return;
      }
      const s = model.services.get(e.service);
      if (!s || s.type === 'bundle' || !known[s.type].has(e.type)) return;
      const snap = snapshots.get(e.service) ?? initialServiceSnapshot(s, bootStart);
      // The payload is the event minus its type, `time` included.
      snapshots.set(e.service, stepOf(s.type)(snap, { type: e.type, ...e.payload } as { type: string; time: number }).snapshot);
      applied++;
    },
    state() {
      const services: FoldState['services'] = {};
      for (const [name, snap] of snapshots) services[name] = { value: snap.value as string, context: snap.context as Record<string, unknown> };
      return { version: 1, seq, boot, bootStart, database, services, live: [...live].sort() };
    },
    get seq() {
      return seq;
    },
    get applied() {
      return applied;
    },
  };
}

/** A service's folded state, or its initial one (`down`) when no event of this boot touched it. */
export function stateOf(f: FoldState, name: string): string {
  return f.services[name]?.value ?? 'down';
}

/**
 * A fingerprint of the machine definitions a fold depends on: checkpoints
 * made by other definitions are not reused.
 */
export function definitionsFingerprint(): string {
  const text = JSON.stringify([longrunMachine.config, oneshotMachine.config], (_k, v) => (typeof v === 'function' ? `fn:${v.name}` : v));
  // FNV-1a, 32 bits: no crypto needed to tell definitions apart.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
