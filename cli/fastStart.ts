/**
 * How every entry point runs a command: cli/main.ts, and the CommonJS bundles
 * (cli/thin.ts, cli/tools.ts) whose `start(argv)` bin/s6rc.cjs calls first;
 * `start` runs the command and returns true, or returns false having done
 * nothing, and then cli/main.ts takes it.
 */
import { endQuietlyOnClosedPipe } from './closedPipe.js';
import type { CommandModule } from './command.js';
import { EXIT, reportFailure } from './fatal.js';
import { helpText, parseOptions } from './options.js';

export type Run = () => Promise<number> | number;

/**
 * Runs `run` to its exit code, reporting a failure in one line
 * (`reportFailure`) and ending quietly on a closed stdout or stderr
 * (closedPipe.ts); false if there is nothing to run.
 */
export function settle(run: Run | null): boolean {
  if (!run) return false;
  endQuietlyOnClosedPipe();
  Promise.resolve()
    .then(run)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        process.exitCode = reportFailure(err);
      },
    );
  return true;
}

/** `word [options] operands` for a subcommand of `suite`; null for any other word. */
export function suiteCommand(suite: Record<string, CommandModule>, argv: string[]): Run | null {
  const [first, ...rest] = argv;
  if (first === undefined || !Object.hasOwn(suite, first)) return null;
  const mod = suite[first];
  return () => runModule(mod, rest);
}

/** A subcommand's arguments after its word: `--help` prints its help, anything else runs it. */
export function runModule(mod: CommandModule, rest: string[]): Promise<number> | number {
  if (rest.includes('--help')) {
    process.stdout.write(helpText(mod.spec));
    return EXIT.ok;
  }
  return mod.run(parseOptions(mod.spec, rest));
}
