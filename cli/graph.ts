/** `s6rc graph`: the dependency graph as dot, mermaid, json or a self-contained html page. */
import { existsSync, writeFileSync } from 'node:fs';
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, Fatal, systemFatal } from './fatal.js';
import { DEFAULT_COMPILED, defaultLive } from './paths.js';
import { USAGE } from './usage.js';

const FORMATS = ['dot', 'mermaid', 'json', 'html'] as const;

export const spec: CommandSpec = {
  name: 'graph',
  usage: USAGE.graph,
  summary: 'Draws the dependency graph (bundles as clusters, pipelines as labelled edges), coloured by live state with -l.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory: its compiled database, coloured by live state' },
    { key: 'compiled', short: 'c', kind: 'string', argName: 'compiled', help: `compiled database, no colours (default: the default live directory if initialised, else ${DEFAULT_COMPILED})` },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log to read states from (default: $S6RC_STORE, else the live directory\'s)' },
    { key: 'format', short: 'f', long: 'format', kind: 'string', argName: 'format', help: 'dot (default), mermaid, json or html' },
    { key: 'output', short: 'o', kind: 'string', argName: 'file', help: 'write to this file instead of stdout' },
  ],
  interleaved: true,
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  const format = (values.format as string | undefined) ?? 'dot';
  if (!(FORMATS as readonly string[]).includes(format)) throw usageError(spec, `unknown format ${format} (expected ${FORMATS.join(', ')})`);
  if (values.live !== undefined && values.compiled !== undefined) throw usageError(spec, 'options -l and -c exclude each other');
  const { loadModel, liveCompiledPath } = await import('./render/loadModel.js');
  let live = values.live as string | undefined;
  // Neither -l nor -c: the default live directory when it is initialised, else the default database.
  if (live === undefined && values.compiled === undefined && existsSync(liveCompiledPath(defaultLive()))) live = defaultLive();
  const compiled = (values.compiled as string | undefined) ?? (live !== undefined ? liveCompiledPath(live) : DEFAULT_COMPILED);
  const model = await loadModel(compiled);
  for (const name of operands) if (!model.services.has(name)) throw new Fatal(EXIT.unknownName, `unknown service name: ${name}`);
  let states: Map<string, import('./render/graphModel.js').NodeState> | undefined;
  if (live !== undefined) {
    const { storePath } = await import('../store/events/storePath.js');
    const { readNodeStates } = await import('./render/liveStates.js');
    try {
      states = (await readNodeStates(storePath(live, values.store as string | undefined))) ?? undefined;
    } catch (err) {
      throw new Fatal(EXIT.invalidDatabase, `unable to read the live state of ${live}: ${(err as Error).message}`);
    }
  }
  const { buildServiceGraph } = await import('./render/graphModel.js');
  const graph = buildServiceGraph(model, operands, states);
  let text: string;
  if (format === 'dot') text = (await import('./render/graphDot.js')).graphToDot(graph);
  else if (format === 'mermaid') text = (await import('./render/graphMermaid.js')).graphToMermaid(graph);
  else if (format === 'json') text = JSON.stringify(graph, null, 2) + '\n';
  else {
    const title = `s6rc services${live !== undefined ? ` in ${live}` : ` of ${compiled}`}`;
    text = (await import('./render/graphHtml.js')).graphToHtml(graph, title);
  }
  const out = values.output as string | undefined;
  if (out === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(out, text);
    } catch (err) {
      throw systemFatal(`unable to write ${out}`, err);
    }
  }
  return EXIT.ok;
}
