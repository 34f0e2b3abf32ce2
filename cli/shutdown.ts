/** `s6rc shutdown`: every service down in reverse dependency order, then the supervisor exits. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Results } from '../protocol/types.js';
import { ControlClient, SupervisorGone, connectOrDie } from './client.js';
import { EXIT, Fatal, say } from './fatal.js';
import type { CommandSpec, ParseResult } from './options.js';
import { invokingUser } from './invocation.js';
import { liveDir } from './paths.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'shutdown',
  usage: USAGE.shutdown,
  summary: 'Brings every service down in reverse dependency order and stops the supervisor.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'after this many ms, SIGKILL whatever still runs' },
    { key: 'verbose', short: 'v', kind: 'int', argName: 'verbosity', help: '2: print each service as it stops' },
  ],
};

export async function run({ values }: ParseResult): Promise<number> {
  const live = liveDir(values.live);
  const client: ControlClient = await connectOrDie(live);
  const gone = new Promise<void>((resolve) => client.onceClosed(resolve));
  let result: Results['shutdown'];
  try {
    result = await client.request('shutdown', { timeout: (values.timeout as number | undefined) ?? 0, user: invokingUser() }, (m) => {
      if (((values.verbose as number | undefined) ?? 0) < 2) return;
      if ('text' in m) process.stderr.write(m.text.endsWith('\n') ? m.text : m.text + '\n');
      else if (m.event === 'stopped') say('info', `service ${m.service} successfully stopped`);
    });
  } catch (err) {
    if (err instanceof SupervisorGone) throw new Fatal(EXIT.system, `supervisor on ${live} went away before confirming the shutdown`);
    throw err;
  }
  await gone; // the supervisor closes the connection as it exits
  if (result.timedOut) say('warning', `timed out: killed ${result.killed.join(' ') || 'nothing'}`);
  for (let i = 0; i < 50 && existsSync(join(live, 'pid')); i++) await new Promise((r) => setTimeout(r, 20));
  return EXIT.ok;
}
