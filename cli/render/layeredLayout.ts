/**
 * A plain layered (Sugiyama-style) left-to-right layout for graphs too big or
 * too deep for dagre: dagre walks the graph recursively (a chain of ~2000
 * services overflows the stack) and its ranking and ordering grow much faster
 * than the graph (docs/PERFORMANCE.md). Every step here is an iterative pass
 * over nodes and edges, so a 10,000-deep chain lays out like a wide one.
 *
 * Steps: break cycles (reverse DFS back edges), rank by longest path, split
 * long edges into dummy points (up to a budget), order each rank by a few
 * barycenter sweeps, then place ranks in columns and nodes near the mean of
 * their neighbours. Bundles are not laid out as boxes (dagre's compound
 * layout is what draws those); the caller says so on the page.
 *
 * Pure: no I/O. Coordinates are centres, as dagre's are.
 */

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface PlacedEdge {
  points: { x: number; y: number }[];
  /** Where a label goes: the middle of the path. */
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  /** In the order of the input edges. */
  edges: PlacedEdge[];
}

interface LayeredOptions {
  nodesep: number;
  ranksep: number;
  marginx: number;
  marginy: number;
  /** Most dummy points made for edges spanning several ranks; beyond it they are drawn straight. */
  maxDummies?: number;
}

const SWEEPS = 8;
const DUMMY_SIZE = 2;
const DUMMY_SEP = 8;

/**
 * Lays `nodes` and `edges` out left to right.
 *
 * @example
 *   layeredLayout([{ id: 'a', width: 40, height: 20 }, { id: 'b', width: 40, height: 20 }], [{ from: 'a', to: 'b' }],
 *     { nodesep: 24, ranksep: 60, marginx: 16, marginy: 16 }).nodes.get('b') // → { x: 136, y: 26, width: 40, height: 20 }
 */
export function layeredLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], opts: LayeredOptions): Layout {
  const n = nodes.length;
  const index = new Map<string, number>();
  nodes.forEach((node, i) => index.set(node.id, i));
  // Edges between known, distinct nodes, oriented so that every one goes to a higher rank.
  const ends: { u: number; v: number; reversed: boolean; input: number }[] = [];
  edges.forEach((e, input) => {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u !== undefined && v !== undefined && u !== v) ends.push({ u, v, reversed: false, input });
  });
  reverseBackEdges(n, ends);
  const rank = longestPathRanks(n, ends);

  // Vertices: the nodes, then dummy points of long edges. Each oriented edge becomes a path of vertices.
  const width: number[] = nodes.map((x) => x.width);
  const height: number[] = nodes.map((x) => x.height);
  const vrank: number[] = [...rank];
  const span = ends.reduce((sum, e) => sum + rank[e.v] - rank[e.u] - 1, 0);
  const withDummies = span <= (opts.maxDummies ?? Math.max(2000, 2 * n));
  const paths: number[][] = ends.map((e) => {
    const path = [e.u];
    if (withDummies) {
      for (let r = rank[e.u] + 1; r < rank[e.v]; r++) {
        path.push(width.length);
        width.push(0);
        height.push(DUMMY_SIZE);
        vrank.push(r);
      }
    }
    path.push(e.v);
    return path;
  });
  const count = width.length;
  const preds: number[][] = Array.from({ length: count }, () => []);
  const succs: number[][] = Array.from({ length: count }, () => []);
  for (const p of paths) {
    for (let i = 1; i < p.length; i++) {
      succs[p[i - 1]].push(p[i]);
      preds[p[i]].push(p[i - 1]);
    }
  }

  const layers = orderLayers(count, vrank, preds, succs);
  const isDummy = (v: number) => v >= n;
  const ys = placeAcross(layers, height, preds, succs, isDummy, opts.nodesep);

  // Columns: each rank as wide as its widest node.
  const columnWidth = layers.map((layer) => layer.reduce((w, v) => Math.max(w, width[v]), 0));
  const columnX: number[] = [];
  let x = opts.marginx;
  for (const w of columnWidth) {
    columnX.push(x + w / 2);
    x += w + opts.ranksep;
  }
  let top = Infinity;
  let bottom = -Infinity;
  for (let v = 0; v < count; v++) {
    top = Math.min(top, ys[v] - height[v] / 2);
    bottom = Math.max(bottom, ys[v] + height[v] / 2);
  }
  if (!Number.isFinite(top)) top = bottom = 0;
  const shift = opts.marginy - top;
  const xOf = (v: number) => columnX[vrank[v]];
  const yOf = (v: number) => ys[v] + shift;

  const placed = new Map<string, Box>();
  nodes.forEach((node, i) => placed.set(node.id, { x: xOf(i), y: yOf(i), width: node.width, height: node.height }));
  const placedEdges: PlacedEdge[] = edges.map((e) => {
    // A self-loop or an edge to an unknown node: a point on its source, if any.
    const b = placed.get(e.from) ?? placed.get(e.to) ?? { x: 0, y: 0, width: 0, height: 0 };
    return { points: [{ x: b.x, y: b.y }], x: b.x, y: b.y };
  });
  ends.forEach((e, k) => {
    const p = paths[k];
    const points = p.map((v, i) => {
      if (i === 0) return { x: xOf(v) + width[v] / 2, y: yOf(v) };
      if (i === p.length - 1) return { x: xOf(v) - width[v] / 2, y: yOf(v) };
      return { x: xOf(v), y: yOf(v) };
    });
    if (e.reversed) points.reverse();
    const mid = (points.length - 1) / 2;
    const a = points[Math.floor(mid)];
    const b = points[Math.ceil(mid)];
    placedEdges[e.input] = { points, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  });
  return { width: Math.max(x - opts.ranksep + opts.marginx, 2 * opts.marginx), height: bottom + shift + opts.marginy, nodes: placed, edges: placedEdges };
}

/** Iterative DFS; an edge to a node still on the stack closes a cycle and is turned around. */
function reverseBackEdges(n: number, ends: { u: number; v: number; reversed: boolean }[]): void {
  const out: number[][] = Array.from({ length: n }, () => []);
  ends.forEach((e, k) => out[e.u].push(k));
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
  const stack: number[] = [];
  const next: number[] = new Array(n).fill(0);
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    state[root] = 1;
    stack.push(root);
    while (stack.length) {
      const u = stack[stack.length - 1];
      if (next[u] === out[u].length) {
        state[u] = 2;
        stack.pop();
        continue;
      }
      const e = ends[out[u][next[u]++]];
      if (state[e.v] === 1) {
        e.reversed = true;
        [e.u, e.v] = [e.v, e.u];
      } else if (state[e.v] === 0) {
        state[e.v] = 1;
        stack.push(e.v);
      }
    }
  }
}

/**
 * Longest path from the sources (Kahn's order), then each source moved as far
 * right as its successors allow, so a service needed only late sits near them.
 */
function longestPathRanks(n: number, ends: { u: number; v: number }[]): number[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Array<number>(n).fill(0);
  for (const e of ends) {
    out[e.u].push(e.v);
    indegree[e.v]++;
  }
  const rank = new Array<number>(n).fill(0);
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) {
    const u = order[i];
    for (const v of out[u]) {
      rank[v] = Math.max(rank[v], rank[u] + 1);
      if (--indegree[v] === 0) order.push(v);
    }
  }
  const hasPred = new Uint8Array(n);
  for (const e of ends) hasPred[e.v] = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const u = order[i];
    if (hasPred[u] || out[u].length === 0) continue;
    rank[u] = out[u].reduce((m, v) => Math.min(m, rank[v]), Infinity) - 1;
  }
  return rank;
}

/** Vertices by rank, each rank ordered by barycenter sweeps (down with predecessors, up with successors). */
function orderLayers(count: number, vrank: number[], preds: number[][], succs: number[][]): number[][] {
  const ranks = vrank.reduce((m, r) => Math.max(m, r), -1) + 1;
  const layers: number[][] = Array.from({ length: ranks }, () => []);
  // First order: depth-first from the first rank, so connected vertices start close together.
  const seen = new Uint8Array(count);
  const visit = (start: number) => {
    const stack = [start];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen[v]) continue;
      seen[v] = 1;
      layers[vrank[v]].push(v);
      for (let i = succs[v].length - 1; i >= 0; i--) if (!seen[succs[v][i]]) stack.push(succs[v][i]);
    }
  };
  for (let v = 0; v < count; v++) if (preds[v].length === 0) visit(v);
  for (let v = 0; v < count; v++) visit(v);
  const pos = new Float64Array(count);
  const renumber = (layer: number[]) => layer.forEach((v, i) => (pos[v] = i));
  layers.forEach(renumber);
  const key = new Float64Array(count);
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    for (let k = 1; k < ranks; k++) {
      const layer = layers[down ? k : ranks - 1 - k];
      for (const v of layer) {
        const near = down ? preds[v] : succs[v];
        key[v] = near.length ? near.reduce((s, u) => s + pos[u], 0) / near.length : pos[v];
      }
      layer.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
      renumber(layer);
    }
  }
  return layers;
}

/**
 * Positions across the ranks. Each rank starts as a stack centred on one
 * axis (a chain is a straight line); then sweeps, down with predecessors and
 * up with successors, move every vertex as near the mean of its neighbours
 * as its order and the gaps allow (`balance`). Returns a centre per vertex
 * (before the margin).
 */
function placeAcross(layers: number[][], height: number[], preds: number[][], succs: number[][], isDummy: (v: number) => boolean, nodesep: number): number[] {
  const y = new Array<number>(height.length).fill(0);
  const gap = (a: number, b: number) => (height[a] + height[b]) / 2 + (isDummy(a) || isDummy(b) ? DUMMY_SEP : nodesep);
  for (const layer of layers) {
    let at = 0;
    layer.forEach((v, i) => (y[v] = at += i ? gap(layer[i - 1], v) : 0));
    for (const v of layer) y[v] -= at / 2;
  }
  const mean = (list: number[]) => list.reduce((s, u) => s + y[u], 0) / list.length;
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    for (let k = 1; k < layers.length; k++) {
      const layer = layers[down ? k : layers.length - 1 - k];
      balance(layer, y, gap, (v) => {
        const near = down ? preds[v] : succs[v];
        return near.length ? mean(near) : y[v];
      });
    }
  }
  return y;
}

/**
 * Places one rank's vertices, in their order and at least `gap` apart, as
 * near as possible (least squares) to where they want to be: with each
 * vertex's offset from the first taken out, this is isotonic regression,
 * solved in one pass by pooling adjacent violators.
 */
function balance(layer: number[], y: number[], gap: (a: number, b: number) => number, want: (v: number) => number): void {
  const offset: number[] = [];
  let at = 0;
  layer.forEach((v, i) => offset.push((at += i ? gap(layer[i - 1], v) : 0)));
  const blocks: { sum: number; count: number }[] = [];
  layer.forEach((v, i) => {
    blocks.push({ sum: want(v) - offset[i], count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const prev = blocks[blocks.length - 2];
      if (prev.sum / prev.count <= last.sum / last.count) break;
      prev.sum += last.sum;
      prev.count += last.count;
      blocks.pop();
    }
  });
  let i = 0;
  for (const b of blocks) for (let k = 0; k < b.count; k++, i++) y[layer[i]] = b.sum / b.count + offset[i];
}
