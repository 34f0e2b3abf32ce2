/**
 * The s6-rc command (seed page 004): `s6rc [options] help|list|listall|diff|change|start|stop`.
 * Options come before the subcommand word, as with s6-rc; they may also follow it.
 */
import { EXIT } from './fatal.js';
import { helpText, usageError, type ParseResult } from './options.js';
import { afterSubcommand, RC_SUBCOMMANDS, spec } from './rcSpec.js';
import { SUITE } from './registry.js';

export { spec };

const RC_USAGE: Record<string, string> = {
  help: 'help',
  list: '[-l live] [-b] [-a] [-u|-d] list [services...]',
  listall: '[-l live] [-b] [-a] [-u|-d] listall [services...]',
  diff: '[-l live] [-b] diff',
  change: '[-l live] [-b] [-a] [-u|-d|-D] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] change [services...]',
  start: '[-l live] [-b] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] start services...   (= -u change)',
  stop: '[-l live] [-b] [-D] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] stop services...   (= -d change)',
};

export async function run(parsed: ParseResult): Promise<number> {
  const [sub, ...after] = parsed.operands;
  if (sub === undefined) throw usageError(spec, 'missing subcommand');
  if (!(RC_SUBCOMMANDS as readonly string[]).includes(sub)) throw usageError(spec, `unknown subcommand ${sub}`);
  if (after.includes('--help')) return printHelp();
  const { values, operands } = afterSubcommand(parsed, after);
  if (sub === 'help') return printHelp(operands[0]);
  const { runRc } = await import('./rcCommands.js');
  return runRc(sub, values, operands);
}

async function printHelp(topic?: string): Promise<number> {
  if (topic && Object.hasOwn(SUITE, topic)) {
    process.stdout.write(helpText((await SUITE[topic].load()).spec));
    return EXIT.ok;
  }
  const out = ['s6rc: a service manager with s6-rc semantics and an audit log', '', 'The s6-rc command:'];
  for (const usage of Object.values(RC_USAGE)) out.push(`  s6rc ${usage}`);
  out.push('', 'The rest of the suite:');
  for (const entry of Object.values(SUITE)) out.push(`  s6rc ${entry.usage}`);
  out.push(
    '',
    'Exit codes: 0 ok, 1 some transitions failed, 2 timed out, 3 unknown service,',
    '4 invalid database or live state, 100 wrong usage, 111 system call failed.',
    "Options cluster as with getopt (-pun0, -bad, -v2). 's6rc help SUBCOMMAND' or 's6rc SUBCOMMAND --help' for details.",
    '',
  );
  process.stdout.write(out.join('\n'));
  return EXIT.ok;
}
