import { indentAt, walkClusters, type ServiceGraph } from './graphModel.js';
import { colorsFor } from './stateColors.js';

/** Mermaid ids allow only a safe alphabet; names keep their text as labels. */
function id(name: string): string {
  return 's_' + name.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}
const label = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;

/** A Mermaid `flowchart LR`: bundles as nested subgraphs, pipelines as labelled thick edges, states as classes. */
export function graphToMermaid(g: ServiceGraph): string {
  const out = ['flowchart LR'];
  const placed = new Set(g.clusters.flatMap((c) => c.members));
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const node = (name: string, indent: string) => {
    const n = byName.get(name)!;
    const text = label(n.state ? `${n.name} (${n.state})` : n.name);
    out.push(`${indent}${id(n.name)}${n.type === 'oneshot' ? `[${text}]` : `([${text}])`}`);
  };
  walkClusters(
    g.clusters,
    (c, depth) => {
      const indent = indentAt(depth);
      out.push(`${indent}subgraph ${id('bundle:' + c.name)}[${label(c.name)}]`);
      for (const m of c.members) node(m, indent + '  ');
    },
    (_c, depth) => out.push(`${indentAt(depth)}end`),
  );
  for (const n of g.nodes) if (!placed.has(n.name)) node(n.name, '  ');
  for (const e of g.edges) {
    out.push(e.kind === 'pipeline' ? `  ${id(e.from)} ==>|${label(e.label ?? 'pipe')}| ${id(e.to)}` : `  ${id(e.from)} --> ${id(e.to)}`);
  }
  const states = [...new Set(g.nodes.map((n) => n.state).filter((s): s is NonNullable<typeof s> => !!s))];
  for (const s of states) {
    const c = colorsFor(s);
    const cls = s.replace(/-/g, '_');
    out.push(`  classDef ${cls} fill:${c.fill},stroke:${c.stroke},color:${c.text}`);
    out.push(`  class ${g.nodes.filter((n) => n.state === s).map((n) => id(n.name)).join(',')} ${cls}`);
  }
  return out.join('\n') + '\n';
}
