/**
 * The dependency graph as data, from a compiled model: what `graph` draws in
 * every format (dot, mermaid, json, html). Pure: no I/O.
 */
import type { CompiledModel } from '../../machines/model.js';
import { closeOverDependencies } from '../../machines/plan/closure.js';

/**
 * What a node is coloured by: the live state (up/down) refined by the actor's
 * state when known; `s6rc ui` shows the actor's own state (`ready` for up).
 */
export type NodeState = 'up' | 'ready' | 'down' | 'failed' | 'starting' | 'stopping' | 'up-unready' | 'unknown';

export interface GraphNode {
  name: string;
  type: 'oneshot' | 'longrun';
  essential: boolean;
  /** Present only when drawn with a live directory. */
  state?: NodeState;
}

export interface GraphEdge {
  /** `from` is started before `to`: a dependency points at its dependent; a producer at its consumer. */
  from: string;
  to: string;
  kind: 'dependency' | 'pipeline';
  /** Pipelines: the pipeline's name, or `pipe`. */
  label?: string;
}

export interface GraphCluster {
  /** The bundle's name. */
  name: string;
  /** The enclosing bundle's cluster, if any. */
  parent: string | null;
  /** Atomics drawn directly inside this cluster (not in a nested one). */
  members: string[];
}

export interface ServiceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
}

/**
 * Builds the graph of `selection` (service names, bundles allowed; empty =
 * everything) closed over dependencies, so whatever a shown service needs is
 * shown too. Bundles become clusters; because a service may belong to several
 * bundles and clusters cannot overlap, each atomic sits in the smallest bundle
 * containing it, and each bundle nests in the smallest bundle that contains
 * all of its atomics.
 *
 * @example
 *   buildServiceGraph(model, ['web'], liveStates)
 */
export function buildServiceGraph(
  model: CompiledModel,
  selection: string[] = [],
  states?: ReadonlyMap<string, NodeState>,
): ServiceGraph {
  const shown = shownServices(model, selection);
  const nodes: GraphNode[] = [];
  for (const name of model.atomics) {
    if (!shown.has(name)) continue;
    const s = model.services.get(name)!;
    if (s.type === 'bundle') continue;
    nodes.push({ name, type: s.type, essential: s.essential, ...(states ? { state: states.get(name) ?? 'down' } : {}) });
  }
  const edges: GraphEdge[] = [];
  const piped = new Set<string>();
  for (const p of model.pipelines) {
    for (const member of p.members) {
      const s = model.services.get(member);
      if (!s || s.type !== 'longrun' || !s.producerFor) continue;
      if (shown.has(member) && shown.has(s.producerFor)) {
        edges.push({ from: member, to: s.producerFor, kind: 'pipeline', label: p.name ?? 'pipe' });
        piped.add(`${member}\n${s.producerFor}`).add(`${s.producerFor}\n${member}`);
      }
    }
  }
  for (const n of nodes) {
    const s = model.services.get(n.name)!;
    if (s.type === 'bundle') continue;
    for (const dep of s.dependencies) {
      // The dependency a pipeline implies (its consumer before its producer) is drawn as the pipeline edge alone.
      if (shown.has(dep) && !piped.has(`${dep}\n${n.name}`)) edges.push({ from: dep, to: n.name, kind: 'dependency' });
    }
  }
  return { nodes, edges, clusters: bundleClusters(model, shown) };
}

/** The selection (none: every atomic; a bundle: its atomics; unknown names skipped) and what it depends on. */
function shownServices(model: CompiledModel, selection: string[]): Set<string> {
  const start: string[] = [];
  if (selection.length === 0) for (const a of model.atomics) start.push(a);
  for (const name of selection) {
    const s = model.services.get(name);
    if (!s) continue;
    if (s.type === 'bundle') for (const a of s.atomics) start.push(a);
    else start.push(name);
  }
  return closeOverDependencies(model, start);
}

function bundleClusters(model: CompiledModel, shown: Set<string>): GraphCluster[] {
  const bundles: { name: string; atomics: string[]; contents: string[] }[] = [];
  for (const s of model.services.values()) {
    if (s.type !== 'bundle') continue;
    const atomics = s.atomics.filter((a) => shown.has(a));
    if (atomics.length) bundles.push({ name: s.name, atomics, contents: s.contents });
  }
  type B = (typeof bundles)[number];
  const covers = (o: B, b: B) => b.atomics.every((a) => o.atomics.includes(a));
  // `o` encloses `b`: more atomics, or the same ones with `b` listed among `o`'s contents (default = {backend}).
  const encloses = (o: B, b: B) => o !== b && covers(o, b) && (o.atomics.length > b.atomics.length || o.contents.includes(b.name));
  // Innermost first: fewer atomics, then (same atomics, as in default = {backend}) less deeply nested
  // contents, then by name, so the drawing is stable. An order, unlike "encloses" itself, which holds
  // only between a bundle and what it lists directly, so ties ten levels deep sorted inconsistently.
  const height = nestingHeights(model);
  bundles.sort((a, b) => a.atomics.length - b.atomics.length || height.get(a.name)! - height.get(b.name)! || a.name.localeCompare(b.name));
  const home = new Map<string, string>();
  for (const b of bundles) for (const a of b.atomics) if (!home.has(a)) home.set(a, b.name);
  return bundles.map((b, i) => {
    const parent = bundles.slice(i + 1).find((o) => encloses(o, b));
    return { name: b.name, parent: parent?.name ?? null, members: b.atomics.filter((a) => home.get(a) === b.name) };
  });
}

/** How many levels of bundles each bundle holds (0: only atomics), from the leaves up, without recursion. */
function nestingHeights(model: CompiledModel): Map<string, number> {
  const height = new Map<string, number>();
  const containers = new Map<string, string[]>();
  const left = new Map<string, number>();
  for (const s of model.services.values()) {
    if (s.type !== 'bundle') continue;
    const nested = s.contents.filter((c) => model.services.get(c)?.type === 'bundle');
    left.set(s.name, nested.length);
    for (const c of nested) {
      const list = containers.get(c);
      if (list) list.push(s.name);
      else containers.set(c, [s.name]);
    }
  }
  const ready = [...left].filter(([, n]) => n === 0).map(([name]) => name);
  for (const name of ready) height.set(name, 0);
  while (ready.length) {
    const b = ready.pop()!;
    for (const outer of containers.get(b) ?? []) {
      height.set(outer, Math.max(height.get(outer) ?? 0, height.get(b)! + 1));
      const n = left.get(outer)! - 1;
      left.set(outer, n);
      if (n === 0) ready.push(outer);
    }
  }
  // A bundle cycle (a damaged database) leaves some unset; they sort as leaves.
  for (const name of left.keys()) if (!height.has(name)) height.set(name, 0);
  return height;
}

/**
 * Visits bundles' clusters depth first, outermost first, in the order given,
 * without recursion (bundles may nest thousands deep): `open` before a
 * cluster's members and nested clusters, `close` after them.
 */
export function walkClusters(clusters: readonly GraphCluster[], open: (c: GraphCluster, depth: number) => void, close: (c: GraphCluster, depth: number) => void): void {
  const byParent = new Map<string | null, GraphCluster[]>();
  for (const c of clusters) {
    const list = byParent.get(c.parent);
    if (list) list.push(c);
    else byParent.set(c.parent, [c]);
  }
  const stack: { c: GraphCluster; next: number }[] = [];
  const enter = (c: GraphCluster) => {
    open(c, stack.length);
    stack.push({ c, next: 0 });
  };
  for (const top of byParent.get(null) ?? []) {
    enter(top);
    while (stack.length) {
      const frame = stack[stack.length - 1];
      const children = byParent.get(frame.c.name) ?? [];
      if (frame.next < children.length) enter(children[frame.next++]);
      else {
        stack.pop();
        close(frame.c, stack.length);
      }
    }
  }
}

/** Text outputs indent nested bundles by two spaces a level, up to this many levels, so their size stays linear. */
const MAX_INDENT_LEVELS = 16;

/** The indentation of a line `depth` levels deep (0: top level inside the graph). */
export function indentAt(depth: number): string {
  return '  '.repeat(1 + Math.min(depth, MAX_INDENT_LEVELS));
}
