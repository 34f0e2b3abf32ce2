/**
 * The s6-rc command's option table and subcommand words, apart from rc.ts so
 * the thin entry (thin.ts) can parse a command line without the registry.
 */
import { parseOptions, usageError, type CommandSpec, type ParseResult } from './options.js';

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

/**
 * `s6rc -l live status ...`: the options before a subcommand of the rest of
 * the suite. Only the live directory applies to every subcommand; it becomes
 * the first of the subcommand's own options, so a `-l` after the word wins,
 * as the later of two options does with getopt. Any other option there is a
 * usage error naming it.
 *
 * @example
 *   leadingLive(parseOptions(spec, ['-l', '/run/x', 'status']).values, statusSpec, ['-o', 'up'])
 *   // → ['-l', '/run/x', '-o', 'up']
 */
export function leadingLive(before: ParseResult['values'], target: CommandSpec, args: string[]): string[] {
  for (const key of Object.keys(before)) {
    if (key === 'live') continue;
    const letters = spec.options.filter((o) => o.key === key).map((o) => `-${o.short}`).join('/');
    throw usageError(target, `option ${letters} applies to the s6-rc subcommands (${RC_SUBCOMMANDS.filter((s) => s !== 'help').join(', ')}), not to ${target.name}`);
  }
  const live = before.live;
  if (typeof live !== 'string') return args;
  if (!target.options.some((o) => o.key === 'live' && o.short === 'l')) throw usageError(target, `option -l does not apply to ${target.name}`);
  return ['-l', live, ...args];
}
