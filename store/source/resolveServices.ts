/**
 * Turns the definitions read from source directories into the `CompiledModel`:
 * resolves names (bundles to atomics), checks pipelines, rejects unknown names
 * and cycles, and propagates flag-essential. Pure: no file access.
 */
import type { Atomic, Bundle, CompiledModel, Longrun, Oneshot, Pipeline, Service } from '../../machines/model.js';
import { sourceError } from './sourceError.js';
import { quote } from './quote.js';
import type { SourceService } from './types.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Validates and resolves `sources` (in source order) into a model; throws `Fatal` (exit 1) on the first problem. */
export function resolveServices(sources: SourceService[]): CompiledModel {
  const defs = new Map(sources.map((s) => [s.name, s]));
  const pipelines = resolvePipelines(defs);
  const bundleContents = new Map<string, { contents: string[]; path: string }>();
  for (const s of sources) if (s.type === 'bundle') bundleContents.set(s.name, { contents: s.contents, path: s.contentsPath });
  for (const p of pipelines) {
    if (p.name === null) continue;
    const last = p.members[p.members.length - 1];
    bundleContents.set(p.name, { contents: p.members, path: `${defs.get(last)!.dir}/pipeline-name` });
  }
  const isAtomic = (name: string): boolean => {
    const d = defs.get(name);
    return d !== undefined && d.type !== 'bundle';
  };
  const atomicsOfBundle = resolveBundles(bundleContents, isAtomic);

  // Direct dependencies, resolved to atomics; a producer also depends on its consumer,
  // so the reader of a pipe is up before its writer.
  const dependencies = new Map<string, string[]>();
  for (const s of sources) {
    if (s.type === 'bundle') continue;
    const deps = new Set<string>();
    for (const dep of s.dependencies) {
      if (isAtomic(dep)) deps.add(dep);
      else if (atomicsOfBundle.has(dep)) for (const a of atomicsOfBundle.get(dep)!) deps.add(a);
      else throw sourceError(`unknown service name ${quote(dep)} in dependencies of ${s.name}`, s.dependenciesPath);
    }
    if (s.longrun?.producerFor) deps.add(s.longrun.producerFor);
    if (deps.has(s.name)) throw sourceError(`service ${s.name} depends on itself`, s.dependenciesPath);
    dependencies.set(s.name, [...deps].sort(byName));
  }
  rejectDependencyCycles(dependencies, (name) => defs.get(name)!.dependenciesPath);

  const essential = propagateEssential(sources, bundleContents, atomicsOfBundle);
  const services = new Map<string, Service>();
  const dependents = new Map<string, string[]>();
  const atomics: string[] = [];
  for (const s of sources) {
    if (s.type === 'bundle') continue;
    atomics.push(s.name);
    dependents.set(s.name, []);
  }
  atomics.sort(byName);
  for (const name of atomics) for (const dep of dependencies.get(name)!) dependents.get(dep)!.push(name);
  for (const s of sources) {
    // Literal objects, no spreads of shared parts: this loop runs once per service, cold.
    const name = s.name;
    const isEssential = essential.has(name);
    if (s.type === 'bundle') {
      const bundle: Bundle = { name, essential: isEssential, type: 'bundle', contents: [...new Set(s.contents)].sort(byName), atomics: atomicsOfBundle.get(name)! };
      services.set(name, bundle);
      continue;
    }
    const deps = dependencies.get(name)!;
    let service: Atomic;
    if (s.type === 'oneshot') {
      service = { name, essential: isEssential, timeoutUp: s.timeoutUp, timeoutDown: s.timeoutDown, dependencies: deps, type: 'oneshot', up: s.oneshot!.up, down: s.oneshot!.down, reload: s.oneshot!.reload } satisfies Oneshot;
    } else {
      const l = s.longrun!;
      service = {
        name,
        essential: isEssential,
        timeoutUp: s.timeoutUp,
        timeoutDown: s.timeoutDown,
        dependencies: deps,
        type: 'longrun',
        notificationFd: l.notificationFd,
        timeoutKill: l.timeoutKill,
        timeoutFinish: l.timeoutFinish,
        maxDeathTally: l.maxDeathTally,
        downSignal: l.downSignal,
        reloadSignal: l.reloadSignal,
        killProcessGroup: l.killProcessGroup,
        lockFd: l.lockFd,
        notifyOnCheck: l.notifyOnCheck,
        restart: l.restart,
        restartBackoff: l.restartBackoff,
        restartLimit: l.restartLimit,
        notifySocket: l.notifySocket,
        watchdogTimeout: l.watchdogTimeout,
        readinessProbe: l.readinessProbe,
        livenessProbe: l.livenessProbe,
        producerFor: l.producerFor,
        consumerFor: l.consumerFor,
        pipelineName: l.pipelineName,
        files: l.files,
      } satisfies Longrun;
    }
    services.set(s.name, service);
  }
  for (const p of pipelines) {
    if (p.name === null) continue;
    services.set(p.name, { name: p.name, type: 'bundle', essential: essential.has(p.name), contents: [...p.members].sort(byName), atomics: atomicsOfBundle.get(p.name)! });
  }
  return { services, atomics, dependents, pipelines };
}

/**
 * Checks that producer-for and consumer-for agree, finds every pipeline (one per
 * last consumer) and rejects cycles and name collisions.
 */
function resolvePipelines(defs: Map<string, SourceService>): Pipeline[] {
  const longrun = (name: string, from: SourceService, file: string) => {
    const d = defs.get(name);
    const path = `${from.dir}/${file}`;
    if (d === undefined) throw sourceError(`unknown service name ${quote(name)} in ${file} of ${from.name}`, path);
    if (d.type !== 'longrun') throw sourceError(`${file} of ${from.name} names ${name}, which is a ${d.type}, not a longrun`, path);
    if (d === from) throw sourceError(`${from.name} names itself in ${file}`, path);
    return d.longrun!;
  };
  const lastConsumers: SourceService[] = [];
  for (const s of defs.values()) {
    const l = s.longrun;
    if (!l) continue;
    if (l.producerFor !== null) {
      const consumer = longrun(l.producerFor, s, 'producer-for');
      if (!consumer.consumerFor.includes(s.name)) {
        throw sourceError(`${s.name} is declared a producer for ${l.producerFor}, but ${l.producerFor} has no consumer-for naming ${s.name}`, `${s.dir}/producer-for`);
      }
    }
    for (const p of l.consumerFor) {
      const producer = longrun(p, s, 'consumer-for');
      if (producer.producerFor !== s.name) {
        throw sourceError(`${s.name} is declared a consumer for ${p}, but ${p}'s producer-for ${producer.producerFor === null ? 'is missing' : `names ${quote(producer.producerFor)}`}`, `${s.dir}/consumer-for`);
      }
    }
    if (l.consumerFor.length > 0 && l.producerFor === null) lastConsumers.push(s);
  }
  // Every chain of producer-for must end at a last consumer; one that comes back is a cycle.
  // A chain stops at a service already known to end well, so a deep pipeline is walked once, not once per member.
  const endsWell = new Set<string>();
  for (const s of defs.values()) {
    if (!s.longrun?.producerFor) continue;
    const path = [s.name];
    const onPath = new Set(path);
    let cur = s;
    while (cur.longrun!.producerFor !== null && !endsWell.has(cur.name)) {
      cur = defs.get(cur.longrun!.producerFor)!;
      if (onPath.has(cur.name)) throw sourceError(`pipeline cycle ${[...path, cur.name].join(' -> ')}`, `${s.dir}/producer-for`);
      path.push(cur.name);
      onPath.add(cur.name);
    }
    for (const name of path) endsWell.add(name);
  }
  const inPipeline = new Set<string>();
  const pipelines: Pipeline[] = [];
  const pipelineNames = new Map<string, string>();
  lastConsumers.sort((a, b) => byName(a.name, b.name));
  for (const last of lastConsumers) {
    // Producers first: order by distance from the last consumer, farthest first.
    const depth = new Map<string, number>([[last.name, 0]]);
    const queue = [last.name];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const p of defs.get(cur)!.longrun!.consumerFor) {
        if (inPipeline.has(p)) throw sourceError(`service ${p} is in two pipelines`, `${defs.get(cur)!.dir}/consumer-for`);
        depth.set(p, depth.get(cur)! + 1);
        queue.push(p);
      }
    }
    const members = [...depth.keys()].sort((a, b) => depth.get(b)! - depth.get(a)! || byName(a, b));
    for (const m of members) inPipeline.add(m);
    const name = last.longrun!.pipelineName;
    if (name !== null) {
      const path = `${last.dir}/pipeline-name`;
      if (defs.has(name)) throw sourceError(`pipeline name ${quote(name)} collides with a service of that name`, path);
      if (pipelineNames.has(name)) throw sourceError(`pipeline name ${quote(name)} is also used by the pipeline ending at ${pipelineNames.get(name)}`, path);
      pipelineNames.set(name, last.name);
    }
    pipelines.push({ name, members });
  }
  return pipelines;
}

/**
 * Resolves every bundle to its atomics, rejecting unknown members and bundle
 * cycles. Depth first with an explicit stack: bundles may nest thousands deep.
 */
function resolveBundles(
  bundles: Map<string, { contents: string[]; path: string }>,
  isAtomic: (name: string) => boolean,
): Map<string, string[]> {
  const resolved = new Map<string, string[]>();
  const stack: { name: string; next: number; atoms: Set<string> }[] = [];
  const onStack = new Set<string>();
  const enter = (name: string) => {
    stack.push({ name, next: 0, atoms: new Set() });
    onStack.add(name);
  };
  for (const root of bundles.keys()) {
    if (resolved.has(root)) continue;
    enter(root);
    while (stack.length) {
      const frame = stack[stack.length - 1];
      const def = bundles.get(frame.name)!;
      if (frame.next === def.contents.length) {
        stack.pop();
        onStack.delete(frame.name);
        const list = [...frame.atoms].sort(byName);
        resolved.set(frame.name, list);
        if (stack.length) for (const a of list) stack[stack.length - 1].atoms.add(a);
        continue;
      }
      const member = def.contents[frame.next++];
      if (isAtomic(member)) frame.atoms.add(member);
      else if (!bundles.has(member)) throw sourceError(`unknown service name ${quote(member)} in contents of bundle ${frame.name}`, def.path);
      else if (resolved.has(member)) for (const a of resolved.get(member)!) frame.atoms.add(a);
      else if (onStack.has(member)) {
        const names = stack.map((f) => f.name);
        const cycle = [...names.slice(names.indexOf(member)), member];
        throw sourceError(`bundle cycle ${cycle.join(' -> ')}`, bundles.get(member)!.path);
      } else enter(member);
    }
  }
  return resolved;
}

/** Iterative depth-first search (deep chains must not overflow the stack); the first cycle found is an error. */
function rejectDependencyCycles(dependencies: Map<string, string[]>, pathOf: (name: string) => string): void {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  for (const root of [...dependencies.keys()].sort(byName)) {
    if (color.get(root)) continue;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    color.set(root, GREY);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const deps = dependencies.get(top.name)!;
      if (top.next === deps.length) {
        color.set(top.name, BLACK);
        stack.pop();
        continue;
      }
      const dep = deps[top.next++];
      const c = color.get(dep) ?? WHITE;
      if (c === GREY) {
        const names = stack.map((f) => f.name);
        const cycle = [...names.slice(names.indexOf(dep)), dep];
        throw sourceError(`dependency cycle ${cycle.join(' -> ')}`, pathOf(dep));
      }
      if (c === WHITE) {
        color.set(dep, GREY);
        stack.push({ name: dep, next: 0 });
      }
    }
  }
}

/** flag-essential on a bundle applies to everything it contains, nested bundles included. */
function propagateEssential(
  sources: SourceService[],
  bundles: Map<string, { contents: string[] }>,
  atomicsOfBundle: Map<string, string[]>,
): Set<string> {
  const essential = new Set<string>();
  // A stack, not recursion: bundles may nest thousands deep.
  const pending = sources.filter((s) => s.essential).map((s) => s.name);
  while (pending.length) {
    const name = pending.pop()!;
    if (essential.has(name)) continue;
    essential.add(name);
    const b = bundles.get(name);
    if (b) {
      for (const m of b.contents) pending.push(m);
      for (const a of atomicsOfBundle.get(name)!) essential.add(a);
    }
  }
  return essential;
}
