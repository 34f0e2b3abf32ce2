/**
 * The s6-rc command's option table and subcommand words, apart from rc.ts so
 * the thin entry (thin.ts) can parse a command line without the registry.
 */
import { parseOptions, usageError, type CommandSpec, type ParseResult } from './options.js';

/** Subcommands of the s6-rc command itself: options come before the subcommand word. */
export const RC_SUBCOMMANDS = ['help', 'list', 'listall', 'diff', 'change', 'start', 'stop', 'reload'] as const;

export const spec: CommandSpec = {
  name: 'rc',
  usage: '[-l live] [-b] [-a] [-u|-d|-D] [-E|-e] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] [--json] help|list|listall|diff|change|start|stop|reload [services...]',
  summary: 'Lists the live state or changes it, as s6-rc does.',
  // Long names as s6-rc 0.7's own table (src/s6-rc/s6-rc.c).
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'block', short: 'b', long: 'block', kind: 'flag', help: 'wait for the lock held by another change instead of failing with 111' },
    { key: 'all', short: 'a', long: 'add', kind: 'flag', help: 'add the active services to the selection' },
    { key: 'direction', short: 'u', long: 'up', kind: 'flag', value: 'up', help: 'up (default): bring the selection up / use dependencies' },
    { key: 'direction', short: 'd', long: 'down', kind: 'flag', value: 'down', help: 'down: bring the selection down / use reverse dependencies' },
    { key: 'direction', short: 'D', long: 'all-down', kind: 'flag', value: 'DOWN', help: 'down, including services marked essential' },
    { key: 'essentials', short: 'E', long: 'with-essentials', kind: 'flag', value: 'show', help: 'list essential services; a down change keeps them up (default)' },
    { key: 'essentials', short: 'e', long: 'without-essentials', kind: 'flag', value: 'hide', help: 'leave essential services out of lists; a down change stops them too (as -D)' },
    { key: 'prune', short: 'p', long: 'prune', kind: 'flag', help: 'prune: bring down everything not wanted, then bring up the wanted set' },
    { key: 'verbosity', short: 'v', long: 'verbosity', kind: 'int', argName: 'verbosity', help: '0 quiet, 1 warnings (default), 2 one line per transition, 3 debug' },
    { key: 'dryRun', short: 'n', long: 'dry-run', kind: 'int', argName: 'dryrunthrottle', help: 'dry run: print each transition, wait this many ms, change nothing' },
    { key: 'timeout', short: 't', long: 'timeout', kind: 'int', argName: 'timeout', help: 'give up on the whole change after this many ms (exit 2)' },
    { key: 'json', long: 'json', kind: 'flag', help: 'print JSON on stdout (docs/protocol.md, "JSON output"); messages stay text on stderr' },
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
 * the suite. The live directory applies to every subcommand, and `--json` to
 * those that have it; each becomes one of the subcommand's own options, put
 * first, so one after the word wins, as the later of two options does with
 * getopt. Any other option there is a usage error naming it.
 *
 * @example
 *   leadingLive(parseOptions(spec, ['-l', '/run/x', 'status']).values, statusSpec, ['-o', 'up'])
 *   // → ['-l', '/run/x', '-o', 'up']
 */
export function leadingLive(before: ParseResult['values'], target: CommandSpec, args: string[]): string[] {
  const forwarded: string[] = [];
  for (const key of Object.keys(before)) {
    if (key === 'live') continue;
    if (key === 'json' && target.options.some((o) => o.key === 'json')) {
      forwarded.push('--json');
      continue;
    }
    const letters = spec.options.filter((o) => o.key === key).map((o) => (o.short ? `-${o.short}` : `--${o.long}`)).join('/');
    throw usageError(target, `option ${letters} applies to the s6-rc subcommands (${RC_SUBCOMMANDS.filter((s) => s !== 'help').join(', ')}), not to ${target.name}`);
  }
  const live = before.live;
  if (typeof live !== 'string') return [...forwarded, ...args];
  // `svc` has -l for s6-svc's reload: its live directory is only --livedir.
  const option = target.options.find((o) => o.key === 'live');
  if (!option) throw usageError(target, `option -l does not apply to ${target.name}`);
  return [option.short ? `-${option.short}` : `--${option.long}`, live, ...forwarded, ...args];
}
