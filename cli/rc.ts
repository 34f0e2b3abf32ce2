/**
 * The s6-rc command (seed page 004): `s6rc [options] help|list|listall|diff|change|start|stop`.
 * Options come before the subcommand word, as with s6-rc; they may also follow it.
 */
import { EXIT } from './fatal.js';
import { helpText, usageError, type CommandSpec, type ParseResult } from './options.js';
import { afterSubcommand, RC_SUBCOMMANDS, spec } from './rcSpec.js';
import { SUITE } from './registry.js';

export { spec };

/**
 * Each s6-rc subcommand's own help: its usage line (as s6-rc's page writes
 * it), what it does, and the options of the command's table that apply to
 * it, some explained for this subcommand (`-d` inverts `list`, but brings
 * `change`'s selection down).
 */
interface RcHelp {
  usage: string;
  /** Shown after the usage line in the overview only. */
  alias?: string;
  summary: string;
  /** Options that apply (by letter, or long name when they have none), each with its help text for this subcommand (null: the table's). */
  options: Record<string, string | null>;
}

const BLOCK_READER = 'accepted for s6-rc compatibility: reading never waits for a change in progress';
const ESSENTIALS_SHOWN = 'print services marked essential too (default)';
const ESSENTIALS_HIDDEN = 'leave services marked essential out';
const CHANGE_JSON = 'NDJSON on stdout: each progress message ({changeId}, {planned}, {transition}, a dry run\'s {out}), then the report ({exitCode, changeId, stoppedBy, done, failed, skipped, inFlight, essentialKept}); messages stay text on stderr';

const RC_HELP: Record<Exclude<(typeof RC_SUBCOMMANDS)[number], 'help'>, RcHelp> = {
  list: {
    usage: '[-l live] [-b] [-a] [-u|-d] [-E|-e] [--json] list [services...]',
    summary: 'Prints the selection: the services named, bundles resolved to their atomics. `s6rc -a list` prints the services that are up, `s6rc -da list` those that are down.',
    options: { l: null, b: BLOCK_READER, a: 'add the services that are up to the selection', u: 'print the selection (default)', d: 'print every service except the selection', E: ESSENTIALS_SHOWN, e: ESSENTIALS_HIDDEN, json: 'print one JSON array of names' },
  },
  listall: {
    usage: '[-l live] [-b] [-a] [-u|-d] [-E|-e] [--json] listall [services...]',
    summary: 'Prints the closed selection: the selection and everything it depends on, recursively; with -d, the selection and everything that depends on it.',
    options: { l: null, b: BLOCK_READER, a: 'add the services that are up to the selection', u: 'close over dependencies (default)', d: 'close over reverse dependencies: what depends on the selection', E: ESSENTIALS_SHOWN, e: ESSENTIALS_HIDDEN, json: 'print one JSON array of names' },
  },
  diff: {
    usage: '[-l live] [-b] [--json] diff',
    summary: "Prints one line per service where the supervisor and the live state disagree: +name (kept up, recorded down), -name (recorded up, not kept up). Exits 1 if it printed anything.",
    options: { l: null, b: BLOCK_READER, json: 'print one JSON object {lines, unknown} (exit 1 all the same if they are not empty)' },
  },
  change: {
    usage: '[-l live] [-b] [-a] [-u|-d|-D] [-E|-e] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] [--json] change [services...]',
    summary:
      'Brings the selection and its dependencies up (or, with -d, the selection and what depends on it down), each transition as soon as its prerequisites are done, in parallel. Exits 0, 1 if some transition failed, 2 on timeout, 3 on an unknown name.',
    options: {
      l: null,
      b: null,
      a: 'add the services that are up to the selection (-da change: everything down)',
      u: 'bring the selection and its dependencies up (default)',
      d: 'bring the selection and what depends on it down; services marked essential stay up',
      D: 'down, services marked essential included',
      E: 'a down change leaves services marked essential up (default)',
      e: 'a down change stops services marked essential too (-de = -D)',
      p: null,
      v: null,
      n: null,
      t: null,
      json: CHANGE_JSON,
    },
  },
  start: {
    usage: '[-l live] [-b] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] [--json] start services...',
    alias: '(= -u change)',
    summary: 'Brings the services and their dependencies up: the same as -u change services...',
    options: { l: null, b: null, p: null, v: null, n: null, t: null, json: CHANGE_JSON },
  },
  stop: {
    usage: '[-l live] [-b] [-D] [-E|-e] [-p] [-v verbosity] [-n dryrunthrottle] [-t timeout] [--json] stop services...',
    alias: '(= -d change)',
    summary: 'Brings the services and what depends on them down: the same as -d change services... (-D: -D change).',
    options: { l: null, b: null, D: 'also stop services marked essential', E: 'leave services marked essential up (default)', e: 'also stop services marked essential (as -D)', p: null, v: null, n: null, t: null, json: CHANGE_JSON },
  },
  reload: {
    usage: '[-l live] [-v verbosity] [-t timeout] [--json] reload services...',
    summary:
      "Reloads the services, which must all be up (s6-rc 0.7): a longrun gets its reload-signal (SIGHUP unless its reload-signal file says otherwise), a oneshot runs its reload script (none: nothing to do). No dependency engine: only the services named. Recorded in the event log as a change. Exits 0, 1 if a service is not up or a reload script failed, 2 on timeout, 3 on an unknown name.",
    options: {
      l: null,
      v: '0 quiet, 1 warnings (default), 2 one line per service reloaded',
      t: 'give up waiting for reload scripts after this many ms (exit 2)',
      json: 'NDJSON on stdout: {changeId}, then the result {services, exitCode}; messages stay text on stderr',
    },
  },
};

/** The option table of one s6-rc subcommand, for its help. */
export function subcommandSpec(sub: keyof typeof RC_HELP): CommandSpec {
  const h = RC_HELP[sub];
  const options = Object.entries(h.options).map(([letter, help]) => {
    // An option without a letter (--json) is named by its long name.
    const o = spec.options.find((x) => x.short === letter || (!x.short && x.long === letter))!;
    return help === null ? o : { ...o, help };
  });
  return { name: sub, usage: h.usage, summary: h.summary, options };
}

const isRcHelpTopic = (topic: string): topic is keyof typeof RC_HELP => Object.hasOwn(RC_HELP, topic);

export async function run(parsed: ParseResult): Promise<number> {
  const [sub, ...after] = parsed.operands;
  if (sub === undefined) throw usageError(spec, 'missing subcommand');
  if (!(RC_SUBCOMMANDS as readonly string[]).includes(sub)) throw usageError(spec, `unknown subcommand ${sub}`);
  if (after.includes('--help')) return printHelp(sub);
  const { values, operands } = afterSubcommand(parsed, after);
  if (sub === 'help') return printHelp(operands[0]);
  const { runRc } = await import('./rcCommands.js');
  return runRc(sub, values, operands);
}

async function printHelp(topic?: string): Promise<number> {
  if (topic && isRcHelpTopic(topic)) {
    process.stdout.write(helpText(subcommandSpec(topic)));
    return EXIT.ok;
  }
  if (topic && Object.hasOwn(SUITE, topic)) {
    process.stdout.write(helpText((await SUITE[topic].load()).spec));
    return EXIT.ok;
  }
  const out = ['s6rc: a service manager with s6-rc semantics and an audit log', '', 'The s6-rc command:', '  s6rc help'];
  for (const h of Object.values(RC_HELP)) out.push(`  s6rc ${h.usage}${h.alias ? `   ${h.alias}` : ''}`);
  out.push('', 'The rest of the suite:');
  for (const entry of Object.values(SUITE)) out.push(`  s6rc ${entry.usage}`);
  out.push(
    '',
    'Exit codes: 0 ok, 1 some transitions failed, 2 timed out, 3 unknown service,',
    '4 invalid database or live state, 100 wrong usage, 111 system call failed.',
    "Options cluster as with getopt (-pun0, -bad, -v2). -l live may come before any subcommand.",
    "'s6rc help SUBCOMMAND' or 's6rc SUBCOMMAND --help' for details.",
    '',
  );
  process.stdout.write(out.join('\n'));
  return EXIT.ok;
}
