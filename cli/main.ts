/**
 * The `s6rc` executable's full path (bin/s6rc.cjs comes here when the thin
 * entry, cli/thin.ts, does not take the command): dispatches to one
 * subcommand module, turns `Fatal` into a one-line message and its exit
 * code, and never shows a stack trace (S6RC_DEBUG=1 shows one for an
 * unexpected error).
 */
import { parseOptions } from './options.js';
import { SUITE } from './registry.js';
import type { CommandModule } from './command.js';
import { runModule, settle } from './fastStart.js';
import { leadingLive } from './rcSpec.js';

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.hasOwn(SUITE, first)) return runModule(await SUITE[first].load(), rest);
  if (first === '--help' || first === '-h') argv = ['help'];
  const rc: CommandModule = await import('./rc.js');
  const parsed = parseOptions(rc.spec, argv);
  // `s6rc -l live status ...`: the live directory may come before any subcommand, as before `change`.
  const [sub, ...after] = parsed.operands;
  if (sub !== undefined && Object.hasOwn(SUITE, sub)) {
    const mod = await SUITE[sub].load();
    return runModule(mod, leadingLive(parsed.values, mod.spec, after));
  }
  return rc.run(parsed);
}

settle(() => main(process.argv.slice(2)));
