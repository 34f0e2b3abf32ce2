/**
 * The layered layout behind `graph --format html` for graphs dagre cannot
 * take (too big, too deep): iterative, and a correct left-to-right picture.
 */
import { describe, expect, it } from 'vitest';
import { shapeDependencies } from '../../bench/generate.js';
import { layeredLayout, type LayoutEdge, type LayoutNode } from '../../cli/render/layeredLayout.js';

const SPACING = { nodesep: 24, ranksep: 60, marginx: 16, marginy: 16 };

function graphOf(shape: 'chain' | 'fanout' | 'dag', count: number): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  const deps = shapeDependencies(shape, count, 7);
  const nodes = deps.map((_, i) => ({ id: `s${i}`, width: 60 + (i % 5) * 10, height: i % 2 ? 36 : 44 }));
  const edges = deps.flatMap((d, i) => d.map((j) => ({ from: `s${j}`, to: `s${i}` })));
  return { nodes, edges };
}

/** No two node boxes overlap; every edge runs from its source's right side to its target's left side, rightwards. */
function expectCorrectPicture(nodes: LayoutNode[], edges: LayoutEdge[], layout: ReturnType<typeof layeredLayout>): void {
  const boxes = nodes.map((n) => layout.nodes.get(n.id)!);
  for (const b of boxes) {
    expect(b.x - b.width / 2).toBeGreaterThanOrEqual(0);
    expect(b.y - b.height / 2).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width / 2).toBeLessThanOrEqual(layout.width);
    expect(b.y + b.height / 2).toBeLessThanOrEqual(layout.height);
  }
  // Overlaps: nodes of one rank share a column (one centre x); columns must not overlap, nor nodes within one.
  const columns = new Map<number, typeof boxes>();
  for (const b of boxes) columns.set(b.x, [...(columns.get(b.x) ?? []), b]);
  const spans = [...columns.values()].map((c) => [Math.min(...c.map((b) => b.x - b.width / 2)), Math.max(...c.map((b) => b.x + b.width / 2))]).sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  for (const column of columns.values()) {
    column.sort((a, b) => a.y - b.y);
    for (let i = 1; i < column.length; i++) expect(column[i].y - column[i].height / 2).toBeGreaterThanOrEqual(column[i - 1].y + column[i - 1].height / 2);
  }
  edges.forEach((e, i) => {
    const from = layout.nodes.get(e.from)!;
    const to = layout.nodes.get(e.to)!;
    const { points } = layout.edges[i];
    expect(points[0]).toEqual({ x: from.x + from.width / 2, y: from.y });
    expect(points.at(-1)).toEqual({ x: to.x - to.width / 2, y: to.y });
    for (let k = 1; k < points.length; k++) expect(points[k].x).toBeGreaterThan(points[k - 1].x);
  });
}

describe('layeredLayout', () => {
  it('lays a 10,000-deep chain out as one straight row, left to right', () => {
    const { nodes, edges } = graphOf('chain', 10_000);
    const layout = layeredLayout(nodes, edges, SPACING);
    expectCorrectPicture(nodes, edges, layout);
    const ys = new Set(nodes.map((n) => layout.nodes.get(n.id)!.y));
    expect(ys.size).toBe(1);
  });

  it('draws fan-outs and random DAGs without overlaps, every edge rightwards', () => {
    for (const [shape, count] of [['fanout', 2000], ['dag', 3000], ['dag', 60]] as const) {
      const { nodes, edges } = graphOf(shape, count);
      expectCorrectPicture(nodes, edges, layeredLayout(nodes, edges, SPACING));
    }
  });

  it('turns a cycle around instead of looping, and keeps each edge pointing at its real target', () => {
    const nodes = ['a', 'b', 'c'].map((id) => ({ id, width: 40, height: 20 }));
    const edges = [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'a', to: 'a' }];
    const layout = layeredLayout(nodes, edges, SPACING);
    const [a, c] = [layout.nodes.get('a')!, layout.nodes.get('c')!];
    expect(c.x).toBeGreaterThan(a.x);
    // c → a runs right to left and ends at a.
    const back = layout.edges[2].points;
    expect(back[0]).toEqual({ x: c.x - c.width / 2, y: c.y });
    expect(back.at(-1)).toEqual({ x: a.x + a.width / 2, y: a.y });
    expect(layout.edges[3].points).toHaveLength(1);
  });

  it('gives an empty graph a size', () => {
    const layout = layeredLayout([], [], SPACING);
    expect(layout.width).toBeGreaterThan(0);
    expect(layout.height).toBeGreaterThan(0);
  });
});
