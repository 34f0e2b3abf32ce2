/** `s6rc daemon`: the supervisor in the foreground (normally started by `s6rc init`). */
import { keepRunningOnClosedPipe } from './closedPipe.js';
import type { CommandSpec, ParseResult } from './options.js';
import { liveDir } from './paths.js';
import { METRICS_OPTION, metricsAddress } from './metricsOption.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'daemon',
  usage: USAGE.daemon,
  summary:
    'Runs the supervisor of an initialised live directory in the foreground; on a live directory whose supervisor died, recovers its services. SIGTERM/SIGINT bring every service down, then it exits.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'readyFd', short: 'N', kind: 'int', argName: 'fd', help: 'write a newline to this fd once the control socket answers' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event store path (default: $S6RC_STORE, the one recorded by init, else <live>/events.db)' },
    { key: 'newBoot', long: 'new-boot', kind: 'flag', help: 'start a new boot with every service down (used by init) instead of recovering' },
    { key: 'stopTimeout', short: 't', kind: 'int', argName: 'timeout', help: 'on SIGTERM/SIGINT, kill whatever still runs after this many ms and exit (default 30000)' },
    METRICS_OPTION,
  ],
};

export async function run({ values }: ParseResult): Promise<number> {
  const metrics = metricsAddress(spec, values);
  // The supervisor outlives whoever reads its output.
  keepRunningOnClosedPipe();
  const { runDaemon } = await import('../actors/supervisor/runDaemon.js');
  await runDaemon({
    live: liveDir(values.live),
    readyFd: values.readyFd as number | undefined,
    store: values.store as string | undefined,
    newBoot: Boolean(values.newBoot),
    stopTimeout: values.stopTimeout as number | undefined,
    metrics,
  });
  // The supervisor now runs on the event loop; it exits through its own shutdown.
  return new Promise<number>(() => {});
}
