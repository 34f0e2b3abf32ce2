/** `s6rc reconcile`: align the recorded live state with what the supervisor really runs, and say what changed. */
import { call, connectOrDie } from './client.js';
import { EXIT } from './fatal.js';
import type { CommandSpec, ParseResult } from './options.js';
import { liveDir } from './paths.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'reconcile',
  usage: USAGE.reconcile,
  summary: 'Corrects the live state where it disagrees with the supervisor (e.g. after a change that exited on -t) and prints each correction.',
  options: [{ key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' }],
};

export async function run({ values }: ParseResult): Promise<number> {
  const client = await connectOrDie(liveDir(values.live));
  try {
    const { corrections } = await call(client, 'reconcile', {});
    const updown = (up: boolean) => (up ? 'up' : 'down');
    const lines = corrections.map((c) => `${c.actualUp ? '+' : '-'}${c.service}: recorded ${updown(c.recordedUp)}, now ${updown(c.actualUp)} (${c.state})`);
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    return EXIT.ok;
  } finally {
    client.close();
  }
}
