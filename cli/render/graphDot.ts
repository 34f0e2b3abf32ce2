import { indentAt, walkClusters, type ServiceGraph } from './graphModel.js';
import { colorsFor } from './stateColors.js';

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const q = (s: string) => `"${esc(s)}"`;

/** Graphviz source: bundles as nested `cluster_` subgraphs, pipelines as labelled bold edges. */
export function graphToDot(g: ServiceGraph): string {
  const out = ['digraph s6rc {', '  rankdir=LR;', '  node [fontname="Helvetica", style="rounded,filled"];', '  edge [color="#5b6573"];'];
  const placed = new Set(g.clusters.flatMap((c) => c.members));
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const nodeLine = (name: string, indent: string) => {
    const n = byName.get(name)!;
    const c = colorsFor(n.state);
    const shape = n.type === 'oneshot' ? 'box' : 'ellipse';
    // `\n` is DOT's line break inside a label, so it is added after escaping.
    const label = `"${esc(n.name)}${n.state ? `\\n${n.state}` : ''}"`;
    return `${indent}${q(n.name)} [label=${label}, shape=${shape}, fillcolor=${q(c.fill)}, color=${q(c.stroke)}${n.essential ? ', penwidth=2' : ''}];`;
  };
  walkClusters(
    g.clusters,
    (c, depth) => {
      const indent = indentAt(depth);
      out.push(`${indent}subgraph ${q('cluster_' + c.name)} {`, `${indent}  label=${q(c.name)}; style="rounded,dashed"; color="#8a94a3";`);
      for (const m of c.members) out.push(nodeLine(m, indent + '  '));
    },
    (_c, depth) => out.push(`${indentAt(depth)}}`),
  );
  for (const n of g.nodes) if (!placed.has(n.name)) out.push(nodeLine(n.name, '  '));
  for (const e of g.edges) {
    const attrs = e.kind === 'pipeline' ? ` [label=${q(e.label ?? 'pipe')}, style=bold, color="#3a78d8"]` : '';
    out.push(`  ${q(e.from)} -> ${q(e.to)}${attrs};`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
