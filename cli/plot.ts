/** `s6rc plot`: an SVG timeline of one change from the event log (default: the last change). */
import { writeFileSync } from 'node:fs';
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, systemFatal } from './fatal.js';
import { liveDir } from './paths.js';
import { openLog } from './openLog.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'plot',
  usage: USAGE.plot,
  summary: 'Writes an SVG timeline of one change: a bar per service from starting to ready, failures marked, the critical chain highlighted.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log file (default: $S6RC_STORE, else the live directory\'s)' },
    { key: 'change', long: 'change', kind: 'int', argName: 'ID', help: 'the change to draw (default: the last one)' },
    { key: 'output', short: 'o', kind: 'string', argName: 'file', help: 'write the SVG to this file instead of stdout' },
  ],
  interleaved: true,
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length) throw usageError(spec, `unexpected operand ${operands[0]}`);
  const live = liveDir(values.live);
  const { storePath } = await import('../store/events/storePath.js');
  const log = await openLog(storePath(live, values.store as string | undefined));
  let svg: string;
  try {
    const { loadChangeTimeline } = await import('./render/changeTimeline.js');
    const { plotToSvg } = await import('./render/plotSvg.js');
    const { timeline, chain } = await loadChangeTimeline(log, live, values.change as number | undefined);
    svg = plotToSvg(timeline, chain);
  } finally {
    log.close();
  }
  const out = values.output as string | undefined;
  if (out === undefined) process.stdout.write(svg);
  else {
    try {
      writeFileSync(out, svg);
    } catch (err) {
      throw systemFatal(`unable to write ${out}`, err);
    }
  }
  return EXIT.ok;
}
