/** `s6rc statechart`: exports the real machine definitions (never a copy) for Stately, Mermaid or Graphviz. */
import { writeFileSync } from 'node:fs';
import type { AnyStateMachine } from 'xstate';
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, systemFatal } from './fatal.js';
import { USAGE } from './usage.js';

const FORMATS = ['stately', 'mermaid', 'dot'] as const;
type Format = (typeof FORMATS)[number];

/** Each machine by the name users type, with the module it lives in. */
export const MACHINES: Record<string, { source: string; load: () => Promise<AnyStateMachine> }> = {
  longrun: { source: 'machines/longrun.ts', load: async () => (await import('../machines/longrun.js')).longrunMachine as AnyStateMachine },
  oneshot: { source: 'machines/oneshot.ts', load: async () => (await import('../machines/oneshot.js')).oneshotMachine as AnyStateMachine },
  orchestrator: { source: 'machines/orchestrator.ts', load: async () => (await import('../machines/orchestrator.js')).orchestratorMachine as AnyStateMachine },
};

export const spec: CommandSpec = {
  name: 'statechart',
  usage: USAGE.statechart,
  summary: "Exports a machine definition: stately (createMachine source for Stately's editor), mermaid (stateDiagram-v2) or dot (Graphviz).",
  options: [
    { key: 'format', short: 'f', long: 'format', kind: 'string', argName: 'format', help: 'stately (default), mermaid or dot' },
    { key: 'output', short: 'o', kind: 'string', argName: 'file', help: 'write to this file instead of stdout' },
  ],
  interleaved: true,
};

/** The exported text of one machine in one format (also used by the drift test). */
export async function exportMachine(name: string, format: Format): Promise<string> {
  const { machineShape } = await import('./render/statechart/machineShape.js');
  const entry = MACHINES[name];
  const shape = machineShape(await entry.load());
  if (format === 'stately') return (await import('./render/statechart/toStately.js')).shapeToStately(shape, entry.source);
  if (format === 'mermaid') return (await import('./render/statechart/toMermaid.js')).shapeToMermaid(shape);
  return (await import('./render/statechart/toDot.js')).shapeToDot(shape);
}

export async function run({ values, operands }: ParseResult): Promise<number> {
  const format = ((values.format as string | undefined) ?? 'stately') as Format;
  if (!FORMATS.includes(format)) throw usageError(spec, `unknown format ${format} (expected ${FORMATS.join(', ')})`);
  if (operands.length !== 1) throw usageError(spec, operands.length ? `expected one machine, got ${operands.length}` : 'missing machine name');
  const name = operands[0];
  if (!MACHINES[name]) throw usageError(spec, `unknown machine ${name} (expected ${Object.keys(MACHINES).join(', ')})`);
  const text = await exportMachine(name, format);
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
