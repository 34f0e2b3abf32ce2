/**
 * The fast path of the `s6rc` executable: the subcommands that only talk to
 * the supervisor's socket (`status`, `wait`, `svc`, `shutdown`, and the s6-rc
 * command's `list`, `listall`, `diff`, `change`, `start`, `stop`). esbuild
 * bundles this file into one CommonJS file, `dist/thin.cjs`, which
 * `bin/s6rc.cjs` tries first: Node 20's ES module loader costs these
 * commands ~10 ms of cold start, more than all their own work. Anything else
 * (help, usage errors, the rest of the suite) goes to `cli/main.ts`.
 *
 * xstate, rxjs and better-sqlite3 are external to the bundle: if this path
 * ever imported them, they would load at run time, where
 * test/cli/thin-clients.test.ts sees them.
 */
import type { CommandModule } from './command.js';
import { EXIT, reportFailure } from './fatal.js';
import { helpText, parseOptions, type ParseResult } from './options.js';
import { runRc } from './rcCommands.js';
import { RC_SUBCOMMANDS, spec as rcSpec } from './rcSpec.js';
import * as shutdown from './shutdown.js';
import * as status from './status.js';
import * as svc from './svc.js';
import * as wait from './wait.js';

const SUITE: Record<string, CommandModule> = { status, wait, svc, shutdown };
const RC = new Set<string>(RC_SUBCOMMANDS.filter((s) => s !== 'help'));

/**
 * Runs `argv` if it is a thin command and returns true (the exit code is set
 * when it ends); returns false, having done nothing, for everything else.
 */
export function start(argv: string[]): boolean {
  const run = thinCommand(argv);
  if (!run) return false;
  run().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportFailure(err);
    },
  );
  return true;
}

function thinCommand(argv: string[]): (() => Promise<number>) | null {
  const [first, ...rest] = argv;
  if (first === undefined) return null;
  if (Object.hasOwn(SUITE, first)) {
    const mod = SUITE[first];
    if (rest.includes('--help')) {
      return async () => {
        process.stdout.write(helpText(mod.spec));
        return EXIT.ok;
      };
    }
    return async () => mod.run(parseOptions(mod.spec, rest));
  }
  // The s6-rc command, as rc.ts parses it: options, the subcommand word, then more options.
  let parsed: ParseResult;
  let more: ParseResult;
  try {
    parsed = parseOptions(rcSpec, argv);
    const [sub, ...after] = parsed.operands;
    if (sub === undefined || !RC.has(sub) || after.includes('--help')) return null;
    more = parseOptions(rcSpec, after);
  } catch {
    return null; // main.ts reports the usage error, with its full help
  }
  const sub = parsed.operands[0];
  return () => runRc(sub, { ...parsed.values, ...more.values }, more.operands);
}
