/**
 * The fast path of the `s6rc` executable for the commands that only talk to
 * the supervisor's socket (`status`, `wait`, `svc`, `shutdown`, and the s6-rc
 * command's `list`, `listall`, `diff`, `change`, `start`, `stop`). esbuild
 * bundles this file into one CommonJS file, `dist/thin.cjs`, which
 * `bin/s6rc.cjs` tries first: Node 20's ES module loader would cost these
 * commands more cold start than all their own work (docs/PERFORMANCE.md).
 * Anything else
 * (help, usage errors, the rest of the suite) goes to `cli/main.ts`.
 *
 * xstate, rxjs and better-sqlite3 are external to the bundle: if this path
 * ever imported them, they would load at run time, where
 * test/cli/thin-clients.test.ts sees them.
 */
import type { CommandModule } from './command.js';
import { runModule, settle, suiteCommand, type Run } from './fastStart.js';
import { parseOptions } from './options.js';
import { runRc } from './rcCommands.js';
import { afterSubcommand, leadingLive, RC_SUBCOMMANDS, spec as rcSpec } from './rcSpec.js';
import * as shutdown from './shutdown.js';
import * as status from './status.js';
import * as svc from './svc.js';
import * as wait from './wait.js';

const RC = new Set<string>(RC_SUBCOMMANDS.filter((s) => s !== 'help'));
const THIN: Record<string, CommandModule> = { status, wait, svc, shutdown };

/** Runs `argv` and returns true if it is a thin command; false, having done nothing, otherwise. */
export function start(argv: string[]): boolean {
  return settle(suiteCommand(THIN, argv) ?? rcCommand(argv));
}

/**
 * The s6-rc command, as rc.ts parses it: options, the subcommand word, then
 * more options; or `-l live` before a thin subcommand of the suite
 * (`s6rc -l /run/x status`), as main.ts reads it.
 */
function rcCommand(argv: string[]): Run | null {
  try {
    const parsed = parseOptions(rcSpec, argv);
    const [sub, ...after] = parsed.operands;
    if (sub !== undefined && Object.hasOwn(THIN, sub)) {
      const args = leadingLive(parsed.values, THIN[sub].spec, after);
      return () => runModule(THIN[sub], args);
    }
    if (sub === undefined || !RC.has(sub) || after.includes('--help')) return null;
    const { values, operands } = afterSubcommand(parsed, after);
    return () => runRc(sub, values, operands);
  } catch {
    return null; // main.ts reports the usage error
  }
}
