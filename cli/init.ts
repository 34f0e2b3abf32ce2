/**
 * `s6rc init`: creates the live directory, copies the compiled database into
 * it, starts the supervisor detached and returns once it answers.
 */
import { join, resolve } from 'node:path';
import { EXIT, say } from './fatal.js';
import type { CommandSpec, ParseResult } from './options.js';
import { DEFAULT_COMPILED, liveDir } from './paths.js';
import { acquireInitLock } from './initLock.js';
import { METRICS_OPTION, metricsArgument } from './metricsOption.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'init',
  usage: USAGE.init,
  summary:
    'Creates the live directory (0700), copies the compiled database into it and starts the supervisor detached, every service down. Returns once the supervisor answers on its socket. Idempotent, as s6-rc-init 0.7: when a supervisor already runs on the live directory, succeeds without touching anything (with a warning if it runs another database: s6rc update switches databases).',
  options: [
    { key: 'compiled', short: 'c', kind: 'string', argName: 'compiled', help: `compiled database (default ${DEFAULT_COMPILED})` },
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'fail (111) if the supervisor is not ready after this many ms (default: no limit)' },
    { key: 'block', short: 'b', kind: 'flag', help: 'if another init holds this live directory, wait for it instead of failing with 111' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event store path (default: $S6RC_STORE, else <live>/events.db)' },
    { ...METRICS_OPTION, help: `${METRICS_OPTION.help}; passed to the supervisor it starts` },
  ],
};

export async function run({ values }: ParseResult): Promise<number> {
  const live = resolve(liveDir(values.live));
  const metrics = metricsArgument(spec, values);
  const compiled = resolve((values.compiled as string | undefined) ?? DEFAULT_COMPILED);
  const { loadCompiled } = await import('../store/compiled/loadCompiled.js');
  loadCompiled(compiled, { integrity: true }); // invalid → Fatal 4 before anything is created
  const { prepareLiveDir, launchSupervisor, runningSupervisor } = await import('../actors/supervisor/launch.js');
  const release = await acquireInitLock(live, Boolean(values.block));
  try {
    const pid = await runningSupervisor(live);
    if (pid !== null) {
      const { fileSha256 } = await import('../actors/supervisor/databases.js');
      if (fileSha256(join(live, 'compiled')) !== fileSha256(compiled)) {
        say('warning', `a supervisor already runs on ${live}${pid > 0 ? ` (pid ${pid})` : ''} with another compiled database; nothing changed (s6rc update ${compiled} switches to it)`);
      }
      return EXIT.ok;
    }
    await prepareLiveDir(live, compiled, values.store as string | undefined);
    const daemon = await launchSupervisor(live, { store: values.store as string | undefined, timeout: values.timeout as number | undefined, metrics });
    daemon.unref();
  } finally {
    release();
  }
  return EXIT.ok;
}
