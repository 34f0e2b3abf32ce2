/**
 * `s6rc db`: s6-rc-db for s6rc's compiled databases — the same subcommands,
 * output and exit codes (3 unknown name, 4 invalid database, 5 wrong type,
 * 100 usage). Reads the database given by `-c`, else the one a live directory
 * was initialised with (`<live>/compiled`).
 */
import { join } from 'node:path';
import { EXIT, Fatal } from './fatal.js';
import { helpText, parseOptions, usageError, type CommandSpec, type ParseResult } from './options.js';
import { DEFAULT_COMPILED, defaultLive } from './paths.js';
import type { ServiceType } from '../machines/model.js';
import type { CompiledQueries, Direction, ServiceRow } from '../store/compiled/compiledQueries.js';
import type { DbJson, ServiceSettings } from '../protocol/jsonOutput.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'db',
  usage: USAGE.db,
  summary: [
    'Prints what a compiled database holds, as s6-rc-db does:',
    '  help | check | list all|services|oneshots|longruns|bundles | type S',
    '  [-u|-d] timeout S | contents B | [-u|-d] dependencies S | pipeline S',
    '  [-u|-d] script S (argv NUL-terminated, or the #! script) | flags S',
    '  atomics S... | [-u|-d] all-dependencies S... | settings S',
    'pipeline prints one producer/consumer line per link of the pipeline, producers first;',
    '  for a longrun in no pipeline, its name, as the s6-rc-db page says (s6-rc-db 0.7 prints nothing).',
    'flags prints 8 hex digits: 00000001 for an essential service, else 00000000.',
    'settings (s6rc) prints the s6-rc 0.7 and s6rc files of an atomic that are not at their default (restart, restart-backoff,',
    '  restart-limit, notify-socket, watchdog-timeout, readiness-probe, liveness-probe, reload-signal, flag-timeout-killpg), one per line.',
    '--json: each query prints one JSON value instead: lists as arrays, type a string, timeout a number (ms),',
    '  pipeline [{producer, consumer}], script {kind: argv, argv} or {kind: script, script} (null: none),',
    '  flags {flags, essential}, settings an object by file name; check prints nothing either way.',
    'Exit codes: 3 unknown name, 4 invalid database, 5 wrong type, 100 usage, 111 cannot open.',
    `Without -c, uses <live>/compiled (live: -l, $S6RC_LIVE or the default), else ${DEFAULT_COMPILED}.`,
  ].join('\n'),
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'read the database the live directory live was initialised with (live/compiled)' },
    { key: 'compiled', short: 'c', long: 'compiled', kind: 'string', argName: 'compiled', help: 'read this compiled database (wins over -l)' },
    { key: 'block', short: 'b', long: 'block', kind: 'flag', help: 'accepted for s6-rc-db compatibility; compiled databases are never locked' },
    { key: 'direction', short: 'u', long: 'up', kind: 'flag', value: 'up', help: 'up data (default): up timeout, dependencies, up script' },
    { key: 'direction', short: 'd', long: 'down', kind: 'flag', value: 'down', help: 'down data: down timeout, reverse dependencies, down script' },
    { key: 'withoutEssentials', short: 'E', long: 'with-essentials', kind: 'flag', value: false, help: 'list essential atomics too (the default)' },
    { key: 'withoutEssentials', short: 'e', long: 'without-essentials', kind: 'flag', value: true, help: 'leave essential atomics out of list services|oneshots|longruns, contents, dependencies, atomics, all-dependencies' },
    { key: 'json', long: 'json', kind: 'flag', help: 'print one JSON value (docs/protocol.md, "JSON output")' },
  ],
};

const LISTS = ['all', 'services', 'oneshots', 'longruns', 'bundles'] as const;

/** Each query: how many names it takes and which types it accepts (undefined: any). */
const QUERIES: Record<string, { names: 'one' | 'many'; types?: ServiceType[]; what?: string }> = {
  type: { names: 'one' },
  timeout: { names: 'one', types: ['oneshot', 'longrun'], what: 'an atomic service' },
  contents: { names: 'one', types: ['bundle'], what: 'a bundle' },
  dependencies: { names: 'one' },
  pipeline: { names: 'one', types: ['longrun'], what: 'a longrun' },
  script: { names: 'one', types: ['oneshot'], what: 'a oneshot' },
  flags: { names: 'one', types: ['oneshot', 'longrun'], what: 'an atomic service' },
  atomics: { names: 'many' },
  'all-dependencies': { names: 'many' },
  settings: { names: 'one', types: ['oneshot', 'longrun'], what: 'an atomic service' },
};

export async function run(parsed: ParseResult): Promise<number> {
  const [sub, ...after] = parsed.operands;
  if (sub === undefined) throw usageError(spec, 'missing subcommand');
  // Options may also follow the subcommand word: `s6rc db dependencies -d web`.
  const more = parseOptions(spec, after);
  const values = { ...parsed.values, ...more.values };
  const args = more.operands;
  const direction: Direction = values.direction === 'down' ? 'down' : 'up';
  if (sub === 'help') {
    process.stdout.write(helpText(spec));
    return EXIT.ok;
  }
  if (sub !== 'check' && sub !== 'list' && !(sub in QUERIES)) throw usageError(spec, `unknown subcommand ${sub}`);
  if (sub === 'list' && (args.length !== 1 || !(LISTS as readonly string[]).includes(args[0]))) {
    throw usageError(spec, `list expects one of ${LISTS.join('|')}`);
  }
  if (sub === 'check' && args.length) throw usageError(spec, 'check takes no argument');
  const query = QUERIES[sub];
  if (query && (args.length === 0 || (query.names === 'one' && args.length !== 1))) {
    throw usageError(spec, `${sub} expects ${query.names === 'one' ? 'one service name' : 'service names'}`);
  }

  if (sub === 'check') {
    const { checkCompiled } = await import('../store/compiled/checkCompiled.js');
    await withCompiled(values, checkCompiled);
    return EXIT.ok;
  }
  // Queries read a few rows after an O(1) header check; `check` above verifies everything.
  const { openCompiledQuick, invalidDatabase } = await import('../store/compiled/openCompiledQuick.js');
  const { CompiledQueries } = await import('../store/compiled/compiledQueries.js');
  let path = '';
  const db = await withCompiled(values, (p) => openCompiledQuick((path = p)));
  try {
    const q = new CompiledQueries(db, { withoutEssentials: values.withoutEssentials === true });
    const json = values.json === true;
    if (sub === 'list') {
      const names = q.list(args[0] as (typeof LISTS)[number]);
      return json ? printJson<'list'>(names) : print(names);
    }
    const services = args.map((name) => {
      const s = q.service(name);
      if (!s) throw new Fatal(EXIT.unknownName, `unknown service name: ${name}`);
      if (query.types && !query.types.includes(s.type)) throw new Fatal(EXIT.wrongType, `${name} is a ${s.type}, not ${query.what}`);
      return s;
    });
    return json ? answerJson(q, sub as keyof DbJson, services, direction) : answer(q, sub, services, direction);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    // SQLite errors on a damaged file (the header check is O(1), not exhaustive).
    throw invalidDatabase(path, (err as Error).message);
  } finally {
    db.close();
  }
}

/**
 * Runs `use` on the database `-c` names; else on the one of the live directory
 * (`-l`, or the default one: `<live>/compiled`); without either option, falls
 * back to /etc/s6rc/compiled when the default live directory has none.
 */
async function withCompiled<T>(values: ParseResult['values'], use: (path: string) => T): Promise<T> {
  if (typeof values.compiled === 'string') return use(values.compiled);
  const { CompiledNotFound } = await import('../store/compiled/openCompiledQuick.js');
  const explicit = typeof values.live === 'string';
  const live = explicit ? (values.live as string) : defaultLive();
  try {
    return use(join(live, 'compiled'));
  } catch (err) {
    if (!(err instanceof CompiledNotFound)) throw err;
    if (explicit) throw new Fatal(EXIT.invalidDatabase, `live directory ${live} has no compiled database (run s6rc init, or use -c)`);
  }
  try {
    return use(DEFAULT_COMPILED);
  } catch (err) {
    if (!(err instanceof CompiledNotFound)) throw err;
    throw new Fatal(EXIT.invalidDatabase, `no compiled database: neither ${join(live, 'compiled')} nor ${DEFAULT_COMPILED} exists (use -c compiled or -l live)`);
  }
}

function answer(q: CompiledQueries, sub: string, services: ServiceRow[], direction: Direction): number {
  const [s] = services;
  const ids = services.map((x) => x.id);
  switch (sub) {
    case 'type':
      return print([s.type]);
    case 'timeout':
      return print([String(direction === 'up' ? s.timeoutUp : s.timeoutDown)]);
    case 'contents':
      return print(q.atomics(ids));
    case 'dependencies':
      return print(q.dependencies(ids, direction));
    case 'pipeline': {
      // The page says a longrun in no pipeline prints its name; s6-rc-db 0.7's code prints nothing. We follow the page.
      const links = q.pipeline(s.id);
      return print(links.length ? links.map(([producer, consumer]) => `${producer}/${consumer}`) : [s.name]);
    }
    case 'flags':
      // Bit 0: essential. Bit 1 (recommended) serves s6-rc's repo commands, which s6rc does not have.
      return print([(s.essential ? 1 : 0).toString(16).padStart(8, '0')]);
    case 'atomics':
      return print(q.atomics(ids));
    case 'settings':
      return print(q.settings(s.id));
    case 'all-dependencies':
      return print(q.allDependencies(ids, direction));
    case 'script': {
      const c = q.command(s.id, direction);
      if (c === null) return EXIT.ok;
      // An argv prints each word NUL-terminated, as s6-rc-db does; a #! script prints as written.
      process.stdout.write(c.kind === 'argv' ? c.argv.map((w) => `${w}\0`).join('') : c.script);
      return EXIT.ok;
    }
  }
  throw new Error(`unhandled db subcommand ${sub}`);
}

/** `--json`: the same answers as values (`DbJson`). */
function answerJson(q: CompiledQueries, sub: keyof DbJson, services: ServiceRow[], direction: Direction): number {
  const [s] = services;
  const ids = services.map((x) => x.id);
  switch (sub) {
    case 'type':
      return printJson<'type'>(s.type);
    case 'timeout':
      return printJson<'timeout'>(direction === 'up' ? s.timeoutUp : s.timeoutDown);
    case 'contents':
      return printJson<'contents'>(q.atomics(ids));
    case 'dependencies':
      return printJson<'dependencies'>(q.dependencies(ids, direction));
    case 'pipeline':
      return printJson<'pipeline'>(q.pipeline(s.id).map(([producer, consumer]) => ({ producer, consumer })));
    case 'flags':
      return printJson<'flags'>({ flags: s.essential ? 1 : 0, essential: s.essential });
    case 'atomics':
      return printJson<'atomics'>(q.atomics(ids));
    case 'settings':
      // Stored from the compiled model's own fields (store/compiled/settings.ts), so of these types.
      return printJson<'settings'>(q.settingValues(s.id) as ServiceSettings);
    case 'all-dependencies':
      return printJson<'all-dependencies'>(q.allDependencies(ids, direction));
    case 'script':
      return printJson<'script'>(q.command(s.id, direction));
  }
  throw new Error(`unhandled db subcommand ${sub}`);
}

function printJson<K extends keyof DbJson>(value: DbJson[K]): number {
  process.stdout.write(JSON.stringify(value) + '\n');
  return EXIT.ok;
}

function print(lines: string[]): number {
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}
