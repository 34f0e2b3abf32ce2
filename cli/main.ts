/**
 * The `s6rc` executable's full path (bin/s6rc.cjs comes here when the thin
 * entry, cli/thin.ts, does not take the command): dispatches to one
 * subcommand module, turns `Fatal` into a one-line message and its exit
 * code, and never shows a stack trace (S6RC_DEBUG=1 shows one for an
 * unexpected error).
 */
import { EXIT, reportFailure } from './fatal.js';
import { helpText, parseOptions } from './options.js';
import { SUITE } from './registry.js';
import type { CommandModule } from './command.js';

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const entry = first !== undefined && Object.hasOwn(SUITE, first) ? SUITE[first] : undefined;
  if (entry) {
    const mod = await entry.load();
    if (rest.includes('--help')) {
      process.stdout.write(helpText(mod.spec));
      return EXIT.ok;
    }
    return mod.run(parseOptions(mod.spec, rest));
  }
  if (first === '--help') argv = ['help'];
  const rc: CommandModule = await import('./rc.js');
  return rc.run(parseOptions(rc.spec, argv));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportFailure(err);
  },
);
