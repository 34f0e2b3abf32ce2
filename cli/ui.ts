/**
 * `s6rc ui`: a live, read-only web page of a live directory: the dependency
 * graph coloured by state, the running or last change as a timeline, the
 * history with filters, and each service's state chart, events and deaths.
 * The server is cli/uiServer.ts, the page cli/render/uiPage.ts.
 */
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT, say } from './fatal.js';
import { parseListenAddress } from './listenAddress.js';
import { liveDir } from './paths.js';
import { USAGE } from './usage.js';
import type { RunningUi } from './uiServer.js';

/** Where the page is served unless --listen says otherwise: this machine only. */
export const DEFAULT_LISTEN = '127.0.0.1:7600';

export const spec: CommandSpec = {
  name: 'ui',
  usage: USAGE.ui,
  summary: `Serves a live, read-only web page of the services (graph, timeline, history, state charts) on http://${DEFAULT_LISTEN}/ until interrupted.`,
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: "event log file (default: $S6RC_STORE, else the live directory's)" },
    { key: 'listen', long: 'listen', kind: 'string', argName: 'ADDR:PORT', help: `address and port to serve on (default ${DEFAULT_LISTEN}; port 0: any free one; [::1]:PORT for IPv6)` },
  ],
  interleaved: true,
};

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length) throw usageError(spec, `unexpected operand ${operands[0]}`);
  const raw = (values.listen as string | undefined) ?? DEFAULT_LISTEN;
  const listen = parseListenAddress(raw);
  if (!listen) throw usageError(spec, `option --listen expects ADDR:PORT (such as 127.0.0.1:7600), got '${raw}'`);
  const live = liveDir(values.live);
  const { storePath } = await import('../store/events/storePath.js');
  const { startUi } = await import('./uiServer.js');
  // Handlers first: a SIGINT or SIGTERM at any moment from here ends the ui with exit 0.
  let ui: RunningUi | null = null;
  let stopping = false;
  const stop = () => {
    stopping = true;
    ui?.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    ui = await startUi({ live, storeFile: storePath(live, values.store as string | undefined), listen });
    if (stopping) ui.stop();
    else say('info', `ui on ${ui.url}`);
    await ui.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT.ok;
}
