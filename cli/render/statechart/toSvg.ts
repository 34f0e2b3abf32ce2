/**
 * An SVG drawing of a machine shape, laid out by dagre in Node: one box per
 * state (coloured as the pictures colour that state), one arrow per pair of
 * states labelled with the events that take it, and each state's
 * transitions to itself listed inside its box. `s6rc ui` shows it for the
 * service clicked, its current state marked by the class `current`.
 * Every state's group carries `data-state` (its key); every arrow
 * `data-from`/`data-to`; a tooltip gives each transition in full
 * (`event [guard] / actions`).
 */
import dagre from '@dagrejs/dagre';
import { colorsFor, STATE_COLORS, xml } from '../stateColors.js';
import type { MachineShape, ShapeState, ShapeTransition } from './machineShape.js';
import { label } from './toMermaid.js';

const NAME = 13;
const SMALL = 10.5;
const LINE = 14;
const width = (s: string, size: number) => Math.ceil(s.length * size * 0.6);

/** Comma-separated words in lines of at most `max` characters. */
function wrap(words: string[], max: number): string[] {
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && last.length + 2 + w.length <= max) lines[lines.length - 1] = `${last}, ${w}`;
    else lines.push(w);
  }
  return lines;
}

const eventName = (t: ShapeTransition) => (t.event === '' ? 'always' : t.event);
const unique = (list: string[]) => [...new Set(list)];

interface StateBox {
  state: ShapeState;
  /** Events that stay in this state (targetless or to itself). */
  loopEvents: string[];
  /** The same, wrapped into the lines drawn. */
  loops: string[];
  entry: string | null;
  width: number;
  height: number;
}

/**
 * Draws `shape`. States nested in compound states are drawn flat (the
 * machines s6rc has are flat); a transition to a compound state points at
 * its initial state.
 *
 * @example
 *   shapeToSvg(machineShape(longrunMachine)) // '<svg … class="s6rc-statechart" data-machine="longrun">…'
 */
export function shapeToSvg(shape: MachineShape): string {
  const byId = new Map(shape.states.map((s) => [s.id, s]));
  const hasChildren = new Set(shape.states.map((s) => s.parent).filter((p): p is string => p !== null));
  const leaves = shape.states.filter((s) => s.parent !== null && !hasChildren.has(s.id));
  const landing = (id: string): string => {
    let s = byId.get(id)!;
    for (let guard = 0; hasChildren.has(s.id) && guard < shape.states.length; guard++) {
      s = byId.get(s.initial ?? shape.states.find((c) => c.parent === s.id)!.id)!;
    }
    return s.id;
  };
  // Transitions declared on a state apply to its leaves; the root's apply everywhere and are listed once.
  const root = shape.states[0];
  const everywhere = unique(root.transitions.map(eventName));
  const boxes = new Map<string, StateBox>();
  const edges = new Map<string, { from: string; to: string; transitions: ShapeTransition[] }>();
  for (const s of leaves) {
    const own: ShapeTransition[] = [];
    for (let a: ShapeState | undefined = s; a && a !== root; a = a.parent ? byId.get(a.parent) : undefined) own.push(...a.transitions);
    const loops: string[] = [];
    for (const t of own) {
      const targets = t.targets.map(landing);
      if (targets.length === 0 || targets.every((x) => x === s.id)) {
        loops.push(eventName(t));
        continue;
      }
      for (const to of targets) {
        if (to === s.id) continue;
        const key = `${s.id}\n${to}`;
        const e = edges.get(key) ?? { from: s.id, to, transitions: [] };
        e.transitions.push(t);
        edges.set(key, e);
      }
    }
    const loopEvents = unique(loops);
    const loopLines = wrap(loopEvents, 30).map((l, i) => (i === 0 ? `↻ ${l}` : `  ${l}`));
    const entry = s.entry.length ? `entry / ${s.entry.join(', ')}` : null;
    const lines = [...loopLines, ...(entry ? [entry] : [])];
    const w = Math.max(width(s.key, NAME) + 24, ...lines.map((l) => width(l, SMALL) + 16), 90);
    boxes.set(s.id, { state: s, loopEvents, loops: loopLines, entry, width: w, height: 30 + lines.length * LINE });
  }

  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 46, edgesep: 14, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const initial = root.initial ? landing(root.initial) : null;
  if (initial) g.setNode('(initial)', { width: 14, height: 14 });
  for (const b of boxes.values()) g.setNode(b.state.id, { width: b.width, height: b.height });
  if (initial) g.setEdge('(initial)', initial, {}, 'initial');
  const edgeList = [...edges.values()];
  edgeList.forEach((e, i) => {
    const lines = unique(e.transitions.map(eventName));
    g.setEdge(e.from, e.to, { label: lines.join('\n'), width: Math.max(...lines.map((l) => width(l, SMALL))) + 6, height: lines.length * 13 + 2, labelpos: 'c' }, `e${i}`);
  });
  dagre.layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  const W = Math.ceil((graph.width ?? 100) + 2);
  const H = Math.ceil((graph.height ?? 60) + 2 + (everywhere.length ? 22 : 0));

  // One marker per machine: a page may show several charts.
  const arrow = xml(`sc-arrow-${shape.id}`);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="s6rc-statechart" data-machine="${xml(shape.id)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xml(`state chart of the ${shape.id} machine`)}">`,
    `<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#5b6573"/></marker></defs>`,
  ];
  const path = smoothPath;
  if (initial) {
    const n = g.node('(initial)');
    const e = g.edge({ v: '(initial)', w: initial, name: 'initial' });
    out.push(`<g class="initial"><circle cx="${n.x}" cy="${n.y}" r="6" fill="#1d2228"/><path d="${path(e.points)}" marker-end="url(#${arrow})"/></g>`);
  }
  edgeList.forEach((e, i) => {
    const info = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points: { x: number; y: number }[]; x?: number; y?: number };
    const lines = unique(e.transitions.map(eventName));
    const from = byId.get(e.from)!.key;
    const to = byId.get(e.to)!.key;
    const y0 = (info.y ?? 0) - ((lines.length - 1) * 13) / 2 + 4;
    out.push(
      `<g class="transition" data-from="${xml(from)}" data-to="${xml(to)}"><title>${xml(`${from} → ${to}\n${e.transitions.map(label).join('\n')}`)}</title>` +
        `<path d="${path(info.points)}" marker-end="url(#${arrow})"/>` +
        lines.map((l, k) => `<text x="${info.x ?? 0}" y="${(y0 + k * 13).toFixed(1)}" text-anchor="middle">${xml(l)}</text>`).join('') +
        '</g>',
    );
  });
  for (const b of boxes.values()) {
    const n = g.node(b.state.id);
    const c = STATE_COLORS[b.state.key] ? colorsFor(b.state.key) : { fill: '#f1f4f8', stroke: '#8a94a3', text: '#1d2228' };
    const x = n.x - b.width / 2;
    const y = n.y - b.height / 2;
    const loopsTitle = b.loopEvents.length ? `\nstays on: ${b.loopEvents.join(', ')}` : '';
    const parts = [
      `<g class="state" data-state="${xml(b.state.key)}" data-id="${xml(b.state.id)}"><title>${xml(`${b.state.key}${b.entry ? `\n${b.entry}` : ''}${loopsTitle}`)}</title>`,
      `<rect x="${x}" y="${y}" width="${b.width}" height="${b.height}" rx="9" fill="${c.fill}" stroke="${c.stroke}"/>`,
      `<text class="name" x="${n.x}" y="${y + 20}" text-anchor="middle" fill="${c.text}">${xml(b.state.key)}</text>`,
    ];
    [...b.loops, ...(b.entry ? [b.entry] : [])].forEach((l, k) => {
      parts.push(`<text class="${k < b.loops.length ? 'loop' : 'entry'}" x="${x + 8}" y="${y + 36 + k * LINE}" xml:space="preserve">${xml(l)}</text>`);
    });
    parts.push('</g>');
    out.push(parts.join(''));
  }
  if (everywhere.length) out.push(`<text class="everywhere" x="12" y="${H - 8}">${xml(`in every state: ${everywhere.join(', ')}`)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** A path through dagre's points, its bends rounded (each corner a quadratic curve to the next midpoint). */
function smoothPath(points: { x: number; y: number }[]): string {
  const f = (n: number) => n.toFixed(1);
  if (points.length < 3) return points.map((p, k) => `${k ? 'L' : 'M'}${f(p.x)},${f(p.y)}`).join('');
  const out = [`M${f(points[0].x)},${f(points[0].y)}`];
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const next = points[i + 1];
    const end = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    out.push(`Q${f(p.x)},${f(p.y)} ${f(end.x)},${f(end.y)}`);
  }
  return out.join('');
}

/** The drawing's CSS (the page embeds it once for every chart it shows). */
export const STATECHART_CSS = `
.s6rc-statechart text { font-family: Helvetica, Arial, sans-serif; }
.s6rc-statechart .state text.name { font-size: ${NAME}px; font-weight: 600; }
.s6rc-statechart .state text.loop, .s6rc-statechart .state text.entry { font-size: ${SMALL}px; fill: #3d4550; }
.s6rc-statechart .state text.entry { font-style: italic; }
.s6rc-statechart .state rect { stroke-width: 1.5; }
.s6rc-statechart .transition path, .s6rc-statechart .initial path { fill: none; stroke: #5b6573; stroke-width: 1.3; }
.s6rc-statechart .transition text { font-size: ${SMALL}px; fill: #3d4550; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
.s6rc-statechart text.everywhere { font-size: ${SMALL}px; fill: #5b6573; }
`;
