/**
 * What the crash harness generates (fast-check): a random dependency graph of
 * oneshots and longruns, a random sequence of operations on it, and a fault
 * (whom to kill or stop, and when). Also how such a graph is written as an
 * s6-rc source, and the wanted state the operations ask for.
 */
import fc from 'fast-check';
import { writeSource, type SourceService } from '../helpers/supervisor.js';

/**
 * `oneshot`: up and down append a line to a per-service counter file, so a
 * run twice shows; `plain`: a longrun that is up as soon as it runs;
 * `ready`: a longrun that notifies readiness on fd 3; `exiting`: a longrun
 * that notifies, then exits a little later (and is restarted, with a finish).
 */
export type Kind = 'oneshot' | 'plain' | 'ready' | 'exiting';

export interface ServiceDef {
  kind: Kind;
  deps: string[];
  /** Bumped by an update: part of the scripts, so the definition changes. */
  version: number;
  /** A oneshot whose up lasts a while (a wider window to be killed in). */
  slow: boolean;
}

/** Services by name (`s0`, `s1`, ...; `n0`, ... for those an update adds); edges go to earlier services only. */
export type Graph = Record<string, ServiceDef>;

export type Op =
  | { kind: 'up' | 'down'; targets: string[] }
  | { kind: 'svc'; flag: '-r' | '-k' | '-d' | '-u'; target: string }
  | { kind: 'update'; bump: string[]; add: ServiceDef | null };

/**
 * `supervisor`: SIGKILL of the supervisor `delayMs` into operation `at`;
 * `crashpoint`: the supervisor kills itself the `nth` time it reaches
 * `point` (S6RC_CRASH_AT), or is killed after the last operation if it never
 * does; `client`: SIGKILL of the operation's client; `stop`: SIGSTOP of the
 * supervisor, SIGKILL of a running longrun's run, SIGCONT.
 */
export type Fault =
  | { victim: 'supervisor' | 'client' | 'stop'; at: number; delayMs: number }
  | { victim: 'crashpoint'; point: CrashPointName; nth: number };

/** The crash points the harness aims at (actors/supervisor/crashPoint.ts). */
export const CRASH_POINTS = ['events.commit', 'spawn.recorded', 'spawn.started', 'update.stopped', 'update.committed', 'update.installed', 'update.switched'] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

export interface Scenario {
  graph: Graph;
  ops: Op[];
  fault: Fault;
}

const KINDS: Kind[] = ['oneshot', 'plain', 'ready', 'exiting'];

const serviceArb = (earlier: string[]): fc.Arbitrary<ServiceDef> =>
  fc.record({
    kind: fc.constantFrom(...KINDS),
    deps: earlier.length ? fc.subarray(earlier, { maxLength: Math.min(3, earlier.length) }) : fc.constant([]),
    version: fc.constant(0),
    slow: fc.boolean(),
  });

/** 2 to 7 services, each depending on up to 3 earlier ones. */
export const graphArb: fc.Arbitrary<Graph> = fc.integer({ min: 2, max: 7 }).chain((n) => {
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  return fc.tuple(...names.map((_, i) => serviceArb(names.slice(0, i)))).map((defs) => Object.fromEntries(defs.map((d, i) => [names[i], d])));
});

function opArb(graph: Graph): fc.Arbitrary<Op> {
  const names = Object.keys(graph);
  const longruns = names.filter((n) => graph[n].kind !== 'oneshot');
  const targets = fc.subarray([...names, 'all', 'half'], { minLength: 1, maxLength: 3 });
  const arbs: fc.Arbitrary<Op>[] = [
    targets.map((t) => ({ kind: 'up' as const, targets: t })),
    targets.map((t) => ({ kind: 'up' as const, targets: t })),
    targets.map((t) => ({ kind: 'down' as const, targets: t })),
    fc.record({ bump: fc.subarray(names, { maxLength: Math.min(3, names.length) }), add: fc.option(serviceArb(names), { freq: 2 }) }).map((u) => ({ kind: 'update' as const, ...u })),
  ];
  if (longruns.length) arbs.push(fc.record({ flag: fc.constantFrom('-r' as const, '-k' as const, '-d' as const, '-u' as const), target: fc.constantFrom(...longruns) }).map((s) => ({ kind: 'svc' as const, ...s })));
  return fc.oneof(...arbs);
}

function faultArb(ops: number): fc.Arbitrary<Fault> {
  const at = fc.integer({ min: 0, max: ops - 1 });
  const delayMs = fc.integer({ min: 0, max: 400 });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ victim: fc.constant('supervisor' as const), at, delayMs }) },
    // A commit happens many times per operation, a spawn or an update's step a few times at most.
    { weight: 2, arbitrary: fc.record({ victim: fc.constant('crashpoint' as const), point: fc.constant('events.commit' as const), nth: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ victim: fc.constant('crashpoint' as const), point: fc.constantFrom(...CRASH_POINTS.slice(1)), nth: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ victim: fc.constant('client' as const), at, delayMs }) },
    { weight: 2, arbitrary: fc.record({ victim: fc.constant('stop' as const), at, delayMs }) },
  );
}

/** A graph, 1 to 6 operations on it (the first brings something up), and a fault. */
export const scenarioArb: fc.Arbitrary<Scenario> = graphArb.chain((graph) =>
  fc
    .tuple(fc.subarray([...Object.keys(graph), 'all'], { minLength: 1, maxLength: 2 }), fc.array(opArb(graph), { minLength: 0, maxLength: 5 }))
    .chain(([first, rest]) => {
      const ops: Op[] = [{ kind: 'up', targets: first }, ...rest];
      return faultArb(ops.length).map((fault) => ({ graph, ops, fault }));
    }),
);

/** The graph an update makes: the bumped services' scripts changed, maybe one service added. */
export function updatedGraph(graph: Graph, op: Extract<Op, { kind: 'update' }>): Graph {
  const next: Graph = {};
  for (const [name, def] of Object.entries(graph)) next[name] = op.bump.includes(name) ? { ...def, version: def.version + 1 } : def;
  if (op.add) next[`n${Object.keys(graph).filter((n) => n.startsWith('n')).length}`] = { ...op.add, deps: op.add.deps.filter((d) => d in graph) };
  return next;
}

/** The bundles every source has: `all` (every service) and `half` (the first half, at least one). */
export function bundles(graph: Graph): Record<string, string[]> {
  const names = Object.keys(graph);
  return { all: names, half: names.slice(0, Math.max(1, names.length >> 1)) };
}

/** Writes `graph` as an s6-rc source in `dir`; oneshots count their runs in `<counts>/<name>`. */
export function writeGraph(dir: string, graph: Graph, counts: string): void {
  const services: Record<string, SourceService> = {};
  for (const [name, d] of Object.entries(graph)) {
    const v = `: v${d.version};`;
    const deps = d.deps.length ? { dependencies: d.deps } : {};
    if (d.kind === 'oneshot') {
      services[name] = {
        type: 'oneshot',
        up: `/bin/sh -c "${v} echo up >> ${counts}/${name}${d.slow ? '; sleep 0.3' : ''}"`,
        down: `/bin/sh -c "${v} echo down >> ${counts}/${name}"`,
        ...deps,
      };
    } else if (d.kind === 'plain') services[name] = { type: 'longrun', run: `${v} exec sleep 1000`, ...deps };
    else if (d.kind === 'ready') services[name] = { type: 'longrun', run: `${v} sleep 0.1; echo >&3; exec sleep 1000`, notificationFd: 3, ...deps };
    else services[name] = { type: 'longrun', run: `${v} echo >&3; sleep 0.5; exit 3`, finish: 'exit 0', notificationFd: 3, ...deps };
  }
  for (const [name, contents] of Object.entries(bundles(graph))) services[name] = { type: 'bundle', contents };
  writeSource(dir, services);
}

/** The atomics `targets` name (bundles expanded), closed over dependencies (`up`) or dependents (`down`). */
export function closure(graph: Graph, targets: Iterable<string>, direction: 'up' | 'down'): Set<string> {
  const b = bundles(graph);
  const start = [...targets].flatMap((t) => b[t] ?? (t in graph ? [t] : []));
  const out = new Set<string>();
  const next = (s: string) => (direction === 'up' ? graph[s].deps : Object.keys(graph).filter((o) => graph[o].deps.includes(s)));
  const stack = [...start];
  while (stack.length) {
    const s = stack.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    stack.push(...next(s));
  }
  return out;
}

/** The wanted set after `op` asks for something (svc and update leave it as it is). */
export function wantedAfter(graph: Graph, wanted: Set<string>, op: Op): Set<string> {
  if (op.kind === 'up') return new Set([...wanted, ...closure(graph, op.targets, 'up')]);
  if (op.kind === 'down') {
    const gone = closure(graph, op.targets, 'down');
    return new Set([...wanted].filter((s) => !gone.has(s)));
  }
  return wanted;
}
