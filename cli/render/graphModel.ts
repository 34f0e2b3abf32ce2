/**
 * The dependency graph as data, from a compiled model: what `graph` draws in
 * every format (dot, mermaid, json, html). Pure: no I/O.
 */
import type { CompiledModel } from '../../machines/model.js';

/** What a node is coloured by: the live state (up/down) refined by the actor's state when known. */
export type NodeState = 'up' | 'down' | 'failed' | 'starting' | 'stopping' | 'up-unready' | 'unknown';

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
  const shown = closeOverDependencies(model, selection);
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

function closeOverDependencies(model: CompiledModel, selection: string[]): Set<string> {
  const start: string[] = [];
  if (selection.length === 0) start.push(...model.atomics);
  for (const name of selection) {
    const s = model.services.get(name);
    if (!s) continue;
    if (s.type === 'bundle') start.push(...s.atomics);
    else start.push(name);
  }
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const s = model.services.get(name);
    if (s && s.type !== 'bundle') stack.push(...s.dependencies);
  }
  return seen;
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
  // Innermost first, ties by name, so the drawing is stable.
  bundles.sort((a, b) => a.atomics.length - b.atomics.length || (encloses(b, a) ? -1 : encloses(a, b) ? 1 : a.name.localeCompare(b.name)));
  const home = new Map<string, string>();
  for (const b of bundles) for (const a of b.atomics) if (!home.has(a)) home.set(a, b.name);
  return bundles.map((b, i) => {
    const parent = bundles.slice(i + 1).find((o) => encloses(o, b));
    return { name: b.name, parent: parent?.name ?? null, members: b.atomics.filter((a) => home.get(a) === b.name) };
  });
}
