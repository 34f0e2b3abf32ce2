/**
 * `graph --format html`: one self-contained page (inline SVG, CSS and a few
 * lines of JS for hover), laid out in Node so the page loads nothing: by dagre
 * up to DAGRE_MAX services and bundles, by layeredLayout.ts beyond.
 */
import dagre from '@dagrejs/dagre';
import { walkClusters, type ServiceGraph } from './graphModel.js';
import { colorsFor, STATE_COLORS, xml } from './stateColors.js';
import { layeredLayout, type Box } from './layeredLayout.js';

const FONT = 14;
const textWidth = (s: string, size = FONT) => Math.ceil(s.length * size * 0.62);

/**
 * Up to this many services and bundles, dagre lays the graph out, bundles
 * as boxes; beyond it, layeredLayout.ts does, without boxes: dagre recurses
 * as deep as the graph (a 2000-deep chain overflows the stack) and takes
 * minutes on a few hundred services (docs/PERFORMANCE.md).
 */
const DAGRE_MAX = 200;

/** Which layout `graphToSvg` uses for `g`. */
function layoutEngine(g: ServiceGraph): 'dagre' | 'layered' {
  return g.nodes.length + g.clusters.length <= DAGRE_MAX ? 'dagre' : 'layered';
}

interface Placement {
  width: number;
  height: number;
  node(name: string): Box;
  edge(i: number): { points: { x: number; y: number }[]; x?: number; y?: number };
  /** Null when bundles are not drawn as boxes. */
  cluster(name: string): Box | null;
}

const SPACING = { nodesep: 24, ranksep: 60, marginx: 16, marginy: 16 };

/** How a drawing is made: `stateRoom` leaves room in every box for this state's name (a live page's states change). */
export interface GraphSvgOptions {
  stateRoom?: string;
}

function nodeSize(n: ServiceGraph['nodes'][number], o: GraphSvgOptions): { width: number; height: number } {
  const state = Math.max(textWidth(n.state ?? n.type, 11), n.state && o.stateRoom ? textWidth(o.stateRoom, 11) : 0);
  return { width: Math.max(textWidth(n.name), state) + 28, height: n.state ? 44 : 36 };
}

function placeWithDagre(g: ServiceGraph, o: GraphSvgOptions): Placement {
  const layout = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  layout.setGraph({ rankdir: 'LR', ...SPACING });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) layout.setNode(n.name, nodeSize(n, o));
  for (const c of g.clusters) layout.setNode('cluster:' + c.name, { label: c.name, paddingTop: 28 } as never);
  for (const c of g.clusters) {
    if (c.parent) layout.setParent('cluster:' + c.name, 'cluster:' + c.parent);
    for (const m of c.members) layout.setParent(m, 'cluster:' + c.name);
  }
  g.edges.forEach((e, i) => {
    const label = e.kind === 'pipeline' ? { label: e.label, width: textWidth(e.label ?? 'pipe', 11) + 8, height: 16, labelpos: 'c' } : {};
    layout.setEdge(e.from, e.to, label, `e${i}`);
  });
  dagre.layout(layout);
  const graph = layout.graph() as { width?: number; height?: number };
  return {
    width: graph.width ?? 100,
    height: graph.height ?? 60,
    node: (name) => layout.node(name) as Box,
    edge: (i) => layout.edge({ v: g.edges[i].from, w: g.edges[i].to, name: `e${i}` }) as ReturnType<Placement['edge']>,
    cluster: (name) => (layout.node('cluster:' + name) as Box | undefined) ?? null,
  };
}

function placeLayered(g: ServiceGraph, o: GraphSvgOptions): Placement {
  const l = layeredLayout(
    g.nodes.map((n) => ({ id: n.name, ...nodeSize(n, o) })),
    g.edges.map((e) => ({ from: e.from, to: e.to })),
    SPACING,
  );
  return { width: l.width, height: l.height, node: (name) => l.nodes.get(name)!, edge: (i) => l.edges[i], cluster: () => null };
}

/** Lays the graph out and returns the SVG element (also used by `s6rc ui`, tests and screenshots). */
export function graphToSvg(g: ServiceGraph, options: GraphSvgOptions = {}): string {
  const boxes = layoutEngine(g) === 'dagre';
  const place = boxes ? placeWithDagre(g, options) : placeLayered(g, options);
  // Without boxes, each service's tooltip names the innermost bundle it sits in.
  const home = new Map<string, string>();
  if (!boxes) for (const c of g.clusters) for (const m of c.members) home.set(m, c.name);
  const width = Math.ceil(place.width + 2);
  const height = Math.ceil(place.height + 2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="s6rc-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="s6rc dependency graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#5b6573"/></marker>' +
      '<marker id="arrow-pipe" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#3a78d8"/></marker></defs>',
  ];
  // Outer clusters first so inner ones and nodes draw over them.
  const depth = new Map<string, number>();
  walkClusters(g.clusters, (c, d) => depth.set(c.name, d), () => {});
  for (const c of [...g.clusters].sort((a, b) => depth.get(a.name)! - depth.get(b.name)!)) {
    const b = place.cluster(c.name);
    if (!b) continue;
    const x = b.x - b.width / 2;
    const y = b.y - b.height / 2;
    parts.push(
      `<g class="cluster" data-bundle="${xml(c.name)}"><rect x="${x}" y="${y}" width="${b.width}" height="${b.height}" rx="10"/>` +
        `<text x="${x + 10}" y="${y + 17}">${xml(c.name)}</text></g>`,
    );
  }
  g.edges.forEach((e, i) => {
    const info = place.edge(i);
    const d = info.points.map((p, k) => `${k ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    const pipe = e.kind === 'pipeline';
    parts.push(
      `<g class="edge ${e.kind}" data-from="${xml(e.from)}" data-to="${xml(e.to)}"><path d="${d}" marker-end="url(#${pipe ? 'arrow-pipe' : 'arrow'})"/>` +
        (pipe && info.x !== undefined ? `<text x="${info.x}" y="${(info.y ?? 0) + 4}" text-anchor="middle">${xml(e.label ?? 'pipe')}</text>` : '') +
        '</g>',
    );
  });
  for (const n of g.nodes) {
    const b = place.node(n.name);
    const c = colorsFor(n.state);
    const x = b.x - b.width / 2;
    const y = b.y - b.height / 2;
    const rx = n.type === 'longrun' ? b.height / 2 : 6;
    parts.push(
      `<g class="node ${n.type}${n.essential ? ' essential' : ''}" data-service="${xml(n.name)}" data-type="${n.type}"${n.state ? ` data-state="${n.state}"` : ''}>` +
        `<title>${xml(`${n.name} (${n.type}${n.essential ? ', essential' : ''})${n.state ? `: ${n.state}` : ''}${home.has(n.name) ? `, in bundle ${home.get(n.name)}` : ''}`)}</title>` +
        `<rect x="${x}" y="${y}" width="${b.width}" height="${b.height}" rx="${rx}" fill="${c.fill}" stroke="${c.stroke}"/>` +
        `<text class="name" x="${b.x}" y="${n.state ? b.y - 2 : b.y + 5}" text-anchor="middle" fill="${c.text}">${xml(n.name)}</text>` +
        (n.state ? `<text class="state" x="${b.x}" y="${b.y + 14}" text-anchor="middle" fill="${c.text}">${n.state}</text>` : '') +
        '</g>',
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The drawing's own CSS (graphToSvg's classes), for any page that shows it. */
export const GRAPH_CSS = `
.s6rc-graph text { font-family: Helvetica, Arial, sans-serif; }
.s6rc-graph .node text.name { font-size: ${FONT}px; font-weight: 600; }
.s6rc-graph .node text.state { font-size: 11px; }
.s6rc-graph .node rect { stroke-width: 1.5; }
.s6rc-graph .node.essential rect { stroke-width: 3; }
.s6rc-graph .cluster rect { fill: #f1f4f8; fill-opacity: 0.6; stroke: #8a94a3; stroke-dasharray: 5 3; }
.s6rc-graph .cluster text { font-size: 12px; fill: #5b6573; font-weight: 600; }
.s6rc-graph .edge path { fill: none; stroke: #5b6573; stroke-width: 1.4; }
.s6rc-graph .edge.pipeline path { stroke: #3a78d8; stroke-width: 2.5; }
.s6rc-graph .edge text { font-size: 11px; fill: #3a78d8; paint-order: stroke; stroke: #fafbfc; stroke-width: 3px; }
.s6rc-graph.hovering .node, .s6rc-graph.hovering .edge { opacity: 0.25; }
.s6rc-graph.hovering .lit { opacity: 1; }
`;

const CSS = `
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #1d2228; background: #fafbfc; }
h1 { font-size: 18px; margin: 0 0 4px; }
p.sub { color: #5b6573; margin: 0 0 16px; font-size: 13px; }
${GRAPH_CSS}
.legend { display: flex; gap: 14px; font-size: 12px; margin-top: 12px; color: #5b6573; flex-wrap: wrap; }
.legend span::before { content: ''; display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -2px; border-radius: 3px; border: 1.5px solid var(--s); background: var(--f); }
`;

/** Hover a node: light it, its edges and its neighbours. Plain DOM, no library; for any page that shows the drawing. */
export const GRAPH_JS = `
(() => {
  const svg = document.querySelector('svg.s6rc-graph');
  if (!svg) return;
  for (const node of svg.querySelectorAll('.node')) {
    const name = node.dataset.service;
    node.addEventListener('mouseenter', () => {
      svg.classList.add('hovering');
      node.classList.add('lit');
      for (const e of svg.querySelectorAll('.edge')) {
        if (e.dataset.from !== name && e.dataset.to !== name) continue;
        e.classList.add('lit');
        const other = e.dataset.from === name ? e.dataset.to : e.dataset.from;
        for (const n of svg.querySelectorAll('.node')) if (n.dataset.service === other) n.classList.add('lit');
      }
    });
    node.addEventListener('mouseleave', () => {
      svg.classList.remove('hovering');
      for (const x of svg.querySelectorAll('.lit')) x.classList.remove('lit');
    });
  }
})();
`;

/** The whole page: title, the SVG, a legend; nothing fetched from anywhere. */
export function graphToHtml(g: ServiceGraph, title: string): string {
  const states = [...new Set(g.nodes.map((n) => n.state).filter(Boolean))] as string[];
  const legend = [
    ...states.map((s) => {
      const c = colorsFor(s);
      return `<span style="--f:${c.fill};--s:${c.stroke}">${xml(s)}</span>`;
    }),
    `<span style="--f:${STATE_COLORS.unknown.fill};--s:#5b6573">rounded: longrun, square: oneshot, thick border: essential</span>`,
    '<span style="--f:#3a78d8;--s:#3a78d8">blue arrow: pipeline</span>',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${xml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body>
<h1>${xml(title)}</h1>
<p class="sub">${g.nodes.length} services, ${g.clusters.length} bundles. An arrow points from a service to what starts after it.${
    layoutEngine(g) === 'layered' ? ` Over ${DAGRE_MAX} services and bundles: a plain layered layout, bundles not drawn as boxes (a service's tooltip names its bundle).` : ''
  }</p>
${graphToSvg(g)}
<div class="legend">${legend.join('')}</div>
<script>${GRAPH_JS}</script>
</body></html>
`;
}
