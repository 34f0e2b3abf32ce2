/** `s6rc wait`: s6-svwait over the control socket. */
import { connectOrDie } from './client.js';
import { usageError, type CommandSpec, type ParseResult } from './options.js';
import { liveDir } from './paths.js';
import { waitFor, type WaitFor } from './waitFor.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'wait',
  usage: USAGE.wait,
  summary: 'Waits until services are up, ready, down or restarted, as s6-svwait does. Exits 0 when reached, 99 on timeout, 102 if the supervisor goes away, else the number of services that failed permanently.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'what', short: 'u', kind: 'flag', value: 'u', help: 'wait until up (default)' },
    { key: 'what', short: 'U', kind: 'flag', value: 'U', help: 'wait until up and ready' },
    { key: 'what', short: 'd', kind: 'flag', value: 'd', help: 'wait until down' },
    { key: 'what', short: 'D', kind: 'flag', value: 'D', help: 'wait until down and finish has run' },
    { key: 'what', short: 'r', kind: 'flag', value: 'r', help: 'wait until restarted (down, then up)' },
    { key: 'what', short: 'R', kind: 'flag', value: 'R', help: 'wait until restarted and ready' },
    { key: 'all', short: 'a', kind: 'flag', value: true, help: 'wait for all the services (default)' },
    { key: 'all', short: 'o', kind: 'flag', value: false, help: 'wait for one of the services' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'give up after this many ms (exit 99); 0 = forever' },
  ],
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length === 0) throw usageError(spec, 'missing service name');
  const client = await connectOrDie(liveDir(values.live));
  try {
    return await waitFor(client, operands, {
      what: (values.what as WaitFor | undefined) ?? 'u',
      all: values.all !== false,
      timeout: (values.timeout as number | undefined) ?? 0,
    });
  } finally {
    client.close();
  }
}
