/**
 * The s6-rc command's option table and subcommand words, apart from rc.ts so
 * the thin entry (thin.ts) can parse a command line without the registry.
 */
import { parseOptions, type CommandSpec, type ParseResult } from './options.js';

/** Subcommands of the s6-rc command itself: options come before the subcommand word. */
export const RC_SUBCOMMANDS = ['help', 'list', 'listall', 'diff', 'change', 'start', 'stop'] as const;

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

/**
 * Options may also follow the subcommand word (`s6rc change -v2 web`): parses
 * what follows it and merges its options over those before it.
 */
export function afterSubcommand(parsed: ParseResult, after: string[]): { values: ParseResult['values']; operands: string[] } {
  const more = parseOptions(spec, after);
  return { values: { ...parsed.values, ...more.values }, operands: more.operands };
}
