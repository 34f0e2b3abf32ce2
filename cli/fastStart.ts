/**
 * What the CommonJS bundles (cli/thin.ts, cli/tools.ts) share: bin/s6rc.cjs
 * calls a bundle's `start(argv)`, which runs the command and returns true, or
 * returns false having done nothing, and then cli/main.ts takes the command.
 * Runs and reports exactly as main.ts does.
 */
import type { CommandModule } from './command.js';
import { EXIT, reportFailure } from './fatal.js';
import { helpText, parseOptions } from './options.js';

export type Run = () => Promise<number> | number;

/** Runs `run` to its exit code, reporting a failure as main.ts does; false if there is nothing to run. */
export function settle(run: Run | null): boolean {
  if (!run) return false;
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

/** `word [options] operands` for a subcommand of `suite`, as main.ts runs it; null for any other word. */
export function suiteCommand(suite: Record<string, CommandModule>, argv: string[]): Run | null {
  const [first, ...rest] = argv;
  if (first === undefined || !Object.hasOwn(suite, first)) return null;
  const mod = suite[first];
  if (rest.includes('--help')) {
    return () => {
      process.stdout.write(helpText(mod.spec));
      return EXIT.ok;
    };
  }
  return () => mod.run(parseOptions(mod.spec, rest));
}
