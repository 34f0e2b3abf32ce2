/**
 * `s6rc update`'s plan: from the live state under the old compiled database
 * to the same services under a new one, restarting only what must restart
 * (s6-rc-update's "Transition details", reference/s6-rc-0.7/s6-rc-update.html).
 *
 * Identity: an old atomic is "the same" as the service of the same name in
 * the new database, whatever its type, unless the conversion file renames
 * it. An old atomic that is up is restarted (stopped under the old database,
 * started under the new one) when it is gone from the new database (then it
 * is only stopped), changed type (an atomic that became a bundle stands for
 * the bundle's atomics), the conversion file says `restart`, or it depends,
 * in the new database, on a service that restarts, or on one that is new or
 * was down. Stopping a service stops what depends on it in the old database
 * too; those come back up after the switch, since state that was up and
 * still exists is up afterwards. A new service stays down until a change
 * brings it up. Pure and O(V+E).
 */
import { EXIT, Fatal } from '../errors.js';
import type { Atomic, CompiledModel, Longrun } from '../model.js';
import { closeOverDependencies, closeOverDependents } from './closure.js';

/** One line of the conversion file: rename and/or restart an old atomic. */
export interface Conversion {
  /** The new name (`old -> new`); absent: the same name. */
  rename?: string;
  restart: boolean;
}

/** A conversion file (or database) the update refuses; `exitCode` is s6-rc-update's. */
export class UpdateError extends Fatal {
  override name = 'UpdateError';
}

/**
 * Reads the lexed lines of a conversion file (each an array of words, the
 * execline lexer's output) against both databases.
 *
 * @throws UpdateError 100 for a line it cannot read, 3 for a name the old
 *   database lacks, 5 for an old name that is a bundle, 4 for a rename to a
 *   name the new database lacks, 6 for an old name given twice or two old
 *   names renamed to one.
 */
export function parseConversions(lines: readonly string[][], old: CompiledModel, next: CompiledModel): Map<string, Conversion> {
  const conversions = new Map<string, Conversion>();
  const targets = new Map<string, string>();
  for (const words of lines) {
    if (words.length === 0) continue;
    const [name, ...rest] = words;
    const service = old.services.get(name);
    if (!service) throw new UpdateError(EXIT.unknownName, `unknown service name in the conversion file: ${name}`);
    if (service.type === 'bundle') throw new UpdateError(EXIT.wrongType, `service ${name} in the conversion file is a bundle, not an atomic service`);
    if (conversions.has(name)) throw new UpdateError(6, `duplicate service in the conversion file: ${name}`);
    const conversion: Conversion = { restart: false };
    let i = 0;
    if (rest[i] === '->') {
      const target = rest[i + 1];
      if (target === undefined) throw new UpdateError(EXIT.usage, `conversion file: ${name} -> needs a new name`);
      if (!next.services.has(target)) throw new UpdateError(EXIT.invalidDatabase, `conversion file renames ${name} to ${target}, which the new database does not define`);
      const other = targets.get(target);
      if (other !== undefined) throw new UpdateError(6, `duplicate service in the conversion file: ${other} and ${name} both become ${target}`);
      targets.set(target, name);
      conversion.rename = target;
      i += 2;
    }
    if (rest[i] === 'restart') {
      conversion.restart = true;
      i++;
    }
    if (i < rest.length) throw new UpdateError(EXIT.usage, `conversion file: unexpected '${rest[i]}' after ${name} (expected '-> newname' and/or 'restart')`);
    conversions.set(name, conversion);
  }
  // A rename onto an old atomic that keeps its own name would make two services one.
  for (const [target, name] of targets) {
    if (target !== name && old.services.get(target)?.type !== undefined && old.services.get(target)!.type !== 'bundle' && conversions.get(target)?.rename === undefined) {
      throw new UpdateError(6, `duplicate service in the conversion file: ${name} becomes ${target}, which the old database already has`);
    }
  }
  return conversions;
}

export type StopReason = 'gone' | 'type' | 'restart' | 'pipeline' | 'dependency' | 'dependent';

export interface UpdatePlan {
  /** Old atomics that are up, each with the new name it becomes, or null when it is gone. */
  identity: Map<string, string | null>;
  /** Old atomics to bring down under the old database before the switch, and why. */
  stop: Map<string, StopReason>;
  /** Old atomics that are up and stay up through the switch, by their new name (renamed or not). */
  kept: Map<string, string>;
  /** New names to bring up under the new database after the switch (with their dependencies). */
  start: string[];
  /** Essential services the update refrains from stopping (without -e), sorted. */
  essentialKept: string[];
}

export interface UpdateRequest {
  old: CompiledModel;
  next: CompiledModel;
  /** What is up under the old database (old atomic names). */
  live: ReadonlySet<string>;
  conversions: ReadonlyMap<string, Conversion>;
  /** `-e`: stop essential services like any other. */
  forceEssentials: boolean;
}

/** The plan of one update (see the module comment). */
export function planUpdate({ old, next, live, conversions, forceEssentials }: UpdateRequest): UpdatePlan {
  const identity = new Map<string, string | null>();
  /** New name → the old atomic that becomes it (only those that were up matter). */
  const previous = new Map<string, string>();
  for (const name of old.atomics) {
    const target = conversions.get(name)?.rename ?? name;
    const exists = next.services.has(target);
    if (live.has(name)) identity.set(name, exists ? target : null);
    if (exists) previous.set(target, name);
  }

  /** Old atomics that go down before the switch, and why. */
  const reasons = new Map<string, StopReason>();
  for (const [name, target] of identity) {
    if (target === null) reasons.set(name, 'gone');
    else if (old.services.get(name)!.type !== next.services.get(target)!.type) reasons.set(name, 'type');
    else if (conversions.get(name)?.restart) reasons.set(name, 'restart');
  }
  // Pipes are held by the supervisor per pipeline: when the pipelines change at all, their members restart on the new ones.
  if (pipelinesChanged(old, next, (n) => conversions.get(n)?.rename ?? n)) {
    for (const p of [...old.pipelines, ...next.pipelines]) {
      for (const member of p.members) {
        const name = previous.get(member) ?? member;
        if (identity.has(name) && !reasons.has(name)) reasons.set(name, 'pipeline');
      }
    }
  }
  /** Does the new service `d` come (back) up only after the switch: new, down, or stopped for it? */
  const arrivesLater = (d: string) => {
    const was = previous.get(d);
    return was === undefined || !live.has(was) || identity.get(was) !== d || reasons.has(was);
  };
  const candidates = dependencyOrder(next, [...identity.values()].filter((t): t is string => t !== null));
  // Until nothing changes: what depends (under the old database) on a stopped service stops with
  // it, and a kept service restarts if it depends (under the new one) on one that arrives later.
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of closeOverDependents(old, reasons.keys())) {
      if (live.has(name) && !reasons.has(name)) (reasons.set(name, 'dependent'), (changed = true));
    }
    // In dependency order, so each decision sees the final state of its dependencies.
    for (const target of candidates) {
      const name = previous.get(target)!;
      const after = next.services.get(target)!;
      if (reasons.has(name) || after.type === 'bundle') continue;
      if (after.dependencies.some(arrivesLater)) (reasons.set(name, 'dependency'), (changed = true));
    }
  }
  const stop = new Map(reasons);

  const essentialKept: string[] = [];
  if (!forceEssentials) {
    // Without -e an essential service is not stopped, with everything it depends on, unless it
    // cannot survive the switch (gone, or a new type) or needs something that cannot.
    const forced = new Set([...stop].filter(([, why]) => why === 'gone' || why === 'type').map(([n]) => n));
    for (const name of [...stop.keys()].sort()) {
      if (!old.services.get(name)?.essential || forced.has(name) || !stop.has(name)) continue;
      const needs = closeOverDependencies(old, [name]);
      if ([...needs].some((n) => forced.has(n))) continue;
      for (const n of needs) stop.delete(n);
      essentialKept.push(name);
    }
  }

  const kept = new Map<string, string>();
  const start = new Set<string>();
  for (const [name, target] of identity) {
    if (target === null) continue;
    if (!stop.has(name) && next.services.get(target)!.type !== 'bundle' && old.services.get(name)!.type === next.services.get(target)!.type) {
      kept.set(name, target);
    } else start.add(target);
  }
  return { identity, stop, kept, start: [...start].sort(), essentialKept };
}

/** `names` sorted so that every service comes after its dependencies (in `model`). */
function dependencyOrder(model: CompiledModel, names: readonly string[]): string[] {
  const wanted = new Set(names);
  const order: string[] = [];
  const seen = new Set<string>();
  for (const root of names) {
    if (seen.has(root)) continue;
    // Iterative post-order walk over the dependencies: no recursion per link.
    const stack: [string, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const service = model.services.get(top[0]);
      const deps = service && service.type !== 'bundle' ? service.dependencies : [];
      if (top[1] < deps.length) {
        const d = deps[top[1]++];
        if (!seen.has(d)) {
          seen.add(d);
          stack.push([d, 0]);
        }
      } else {
        stack.pop();
        if (wanted.has(top[0])) order.push(top[0]);
      }
    }
  }
  return order;
}

/**
 * Whether two definitions of an atomic are the same, files' contents
 * included: an update gives a running service its new definition only when
 * something in it changed.
 */
export function sameDefinition(a: Atomic, b: Atomic): boolean {
  if (a === b) return true;
  if (a.type !== b.type) return false;
  if (a.type === 'longrun' && !sameFiles(a, b as Longrun)) return false;
  // The rest is names, numbers and argvs, built in the same key order by the same loader.
  return JSON.stringify({ ...a, files: null }) === JSON.stringify({ ...b, files: null });
}

/** The same service-directory files, kinds, modes and contents, in the same order (compile sorts them). */
export function sameFiles(a: Longrun, b: Longrun): boolean {
  if (a === b) return true;
  if (a.files.length !== b.files.length) return false;
  return a.files.every((f, i) => {
    const g = b.files[i];
    return f.path === g.path && f.kind === g.kind && f.mode === g.mode && f.content.equals(g.content);
  });
}

/**
 * Applies a database switch to a map keyed by service name: drops `removed`,
 * then moves every renamed key's value to its new name at once, so a swap
 * (`a -> b`, `b -> a`) or a chain (`a -> b`, `b -> c`) keeps every value.
 */
export function switchKeys<V>(map: Map<string, V>, renames: Iterable<readonly [string, string]>, removed: Iterable<string> = []): void {
  for (const name of removed) map.delete(name);
  const moved: [string, V][] = [];
  const list = [...renames];
  for (const [from, to] of list) if (map.has(from)) moved.push([to, map.get(from)!]);
  for (const [from] of list) map.delete(from);
  for (const [to, value] of moved) map.set(to, value);
}

/** The same for a set of names (the live state). */
export function switchMembers(set: Set<string>, renames: Iterable<readonly [string, string]>, removed: Iterable<string> = []): void {
  const map = new Map([...set].map((name) => [name, true]));
  switchKeys(map, renames, removed);
  set.clear();
  for (const name of map.keys()) set.add(name);
}

/** Whether the pipelines differ between two databases, members of the old one taken under their new names. */
export function pipelinesChanged(old: CompiledModel, next: CompiledModel, rename: (name: string) => string): boolean {
  return JSON.stringify(old.pipelines.map((p) => ({ ...p, members: p.members.map(rename) }))) !== JSON.stringify(next.pipelines);
}
