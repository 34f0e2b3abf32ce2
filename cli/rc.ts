/**
 * The s6-rc command (seed page 004): `s6rc [options] help|list|listall|diff|change|start|stop`.
 * Options come before the subcommand word, as with s6-rc; they may also follow it.
 */
import { EXIT } from './fatal.js';
import { helpText, parseOptions, usageError, type CommandSpec, type ParseResult } from './options.js';
import { RC_SUBCOMMANDS, SUITE } from './registry.js';

export const spec: CommandSpec = {
  name: 'rc',
  usage: '[-l live] [-b] [-a] [-u|-d|-D] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] help|list|listall|diff|change|start|stop [services...]',
  summary: 'Lists the live state or changes it, as s6-rc does.',
  options: [
    { key: 'live', short: 'l', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'block', short: 'b', kind: 'flag', help: 'wait for the lock held by another change instead of failing with 111' },
    { key: 'all', short: 'a', kind: 'flag', help: 'add the active services to the selection' },
    { key: 'direction', short: 'u', kind: 'flag', value: 'up', help: 'up (default): bring the selection up / use dependencies' },
    { key: 'direction', short: 'd', kind: 'flag', value: 'down', help: 'down: bring the selection down / use reverse dependencies' },
    { key: 'direction', short: 'D', kind: 'flag', value: 'DOWN', help: 'down, including services marked essential' },
    { key: 'prune', short: 'p', kind: 'flag', help: 'prune: bring down everything not wanted, then bring up the wanted set' },
    { key: 'verbosity', short: 'v', kind: 'int', argName: 'verbosity', help: '0 quiet, 1 warnings (default), 2 one line per transition, 3 debug' },
    { key: 'dryRun', short: 'n', kind: 'int', argName: 'dryrunthrottle', help: 'dry run: print each transition, wait this many ms, change nothing' },
    { key: 'timeout', short: 't', kind: 'int', argName: 'timeout', help: 'give up on the whole change after this many ms (exit 2)' },
  ],
};

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
  // Options may also follow the subcommand word: `s6rc change -v2 web`.
  const more = parseOptions(spec, after);
  const values = { ...parsed.values, ...more.values };
  if (sub === 'help') return printHelp(more.operands[0]);
  const { runRc } = await import('./rcCommands.js');
  return runRc(sub, values, more.operands);
}

async function printHelp(topic?: string): Promise<number> {
  if (topic && SUITE[topic]) {
    process.stdout.write(helpText((await SUITE[topic].load()).spec));
    return EXIT.ok;
  }
  const out = ['s6rc: a service manager with s6-rc semantics and an audit log', '', 'The s6-rc command:'];
  for (const usage of Object.values(RC_USAGE)) out.push(`  s6rc ${usage}`);
  out.push('', 'The rest of the suite:');
  for (const entry of Object.values(SUITE)) out.push(`  s6rc ${(await entry.load()).spec.usage}`);
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
