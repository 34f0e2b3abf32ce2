/**
 * The `s6rc` executable: dispatches to one subcommand module, turns `Fatal`
 * into a one-line message and its exit code, and never shows a stack trace
 * (set S6RC_DEBUG=1 to see one for an unexpected error).
 */
import { EXIT, Fatal } from './fatal.js';
import { helpText, parseOptions } from './options.js';
import { SUITE } from './registry.js';
import type { CommandModule } from './command.js';

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const entry = first !== undefined ? SUITE[first] : undefined;
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

function report(err: unknown): number {
  if (err instanceof Fatal) {
    process.stderr.write(`${err.program}: fatal: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (process.env.S6RC_DEBUG) process.stderr.write(`${e?.stack ?? e}\n`);
  process.stderr.write(`s6rc: fatal: internal error: ${e?.message ?? e}\n`);
  return EXIT.system;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = report(err);
  },
);
