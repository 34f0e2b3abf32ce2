/**
 * The s6-rc subcommands as thin clients of the supervisor (seed page 004):
 * list, listall, diff, change, start, stop, reload. Loads only node:net through
 * `client.ts`; planning and the change itself run inside the supervisor.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ChangeReporter } from '../protocol/changeReport.js';
import type { ProgressOf } from '../protocol/types.js';
import { call, connectOrDie, type ControlClient } from './client.js';
import { EXIT, Fatal, systemFatal } from './fatal.js';
import { mustRead, statIfPresent } from './pathAccess.js';
import { invocationArgv, invokingUser } from './invocation.js';
import { liveDir } from './paths.js';

export interface RcValues {
  live?: string;
  block?: boolean;
  all?: boolean;
  direction?: 'up' | 'down' | 'DOWN';
  /** -E (show, the default) / -e (hide): essential services in lists; -e lets a down change stop them. */
  essentials?: 'show' | 'hide';
  prune?: boolean;
  verbosity?: number;
  dryRun?: number;
  timeout?: number;
  /** --json: JSON on stdout (docs/protocol.md, "JSON output"); messages stay text on stderr. */
  json?: boolean;
}

/** Runs one s6-rc subcommand; returns its exit code (seed page: 0, 1, 2, 3, 4, 100, 111). */
export async function runRc(sub: string, values: RcValues, operands: string[]): Promise<number> {
  const live = liveDir(values.live);
  checkLive(live);
  const client = await connectOrDie(live);
  try {
    switch (sub) {
      case 'list':
      case 'listall':
        return await list(client, sub, values, operands);
      case 'diff':
        return await diff(client, !!values.json);
      case 'change':
        return await change(client, values, operands);
      case 'start':
        return await change(client, { ...values, direction: 'up' }, needNames(sub, operands));
      case 'stop':
        return await change(client, { ...values, direction: values.direction === 'DOWN' ? 'DOWN' : 'down' }, needNames(sub, operands));
      case 'reload':
        return await reload(client, values, needNames(sub, operands));
      default:
        throw new Fatal(EXIT.usage, `unknown subcommand ${sub}`);
    }
  } finally {
    client.close();
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * A live directory holds the `compiled` database `s6rc init` put there and the
 * event log; both must at least be SQLite files (16 bytes read each, so a
 * damaged live state is refused with exit 4 before anything is asked of it).
 * What this user may not read is exit 111 and says so, never "missing".
 */
function checkLive(live: string): void {
  if (!statIfPresent(live, 'live directory')) throw new Fatal(EXIT.system, `live directory ${live} does not exist (run s6rc init first)`);
  mustRead(live, 'live directory', true);
  const compiled = join(live, 'compiled');
  if (!statIfPresent(compiled, 'compiled database')) throw new Fatal(EXIT.invalidDatabase, `invalid live directory ${live}: no compiled database in it`);
  if (!isSqlite(compiled, 'compiled database')) throw new Fatal(EXIT.invalidDatabase, `invalid live directory ${live}: ${compiled} is not a compiled database`);
  const store = storePath(live);
  if (store && statIfPresent(store, 'event log') && !isSqlite(store, 'event log')) throw new Fatal(EXIT.invalidDatabase, `invalid live state: the event log ${store} is corrupted`);
}

function storePath(live: string): string | null {
  try {
    return readFileSync(join(live, 'store'), 'utf8').trim() || null;
  } catch {
    return join(live, 'events.db');
  }
}

/** Whether `path` starts as a SQLite file; a file that cannot be opened is Fatal 111, not "not SQLite". */
function isSqlite(path: string, what: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw systemFatal(`unable to read ${what} ${path}`, err);
  }
  try {
    const header = Buffer.alloc(16);
    return readSync(fd, header, 0, 16, 0) === 16 && header.toString('latin1') === SQLITE_MAGIC;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

function needNames(sub: string, operands: string[]): string[] {
  if (operands.length === 0) throw new Fatal(EXIT.usage, `${sub} needs at least one service name (usage: s6rc [options] ${sub} services...)`);
  return operands;
}

async function list(client: ControlClient, sub: 'list' | 'listall', values: RcValues, names: string[]): Promise<number> {
  const down = values.direction === 'down' || values.direction === 'DOWN';
  // As s6-rc: -D hides essentials too, unless -E says otherwise.
  const hideEssentials = values.essentials === 'hide' || (values.direction === 'DOWN' && values.essentials !== 'show');
  const { services } = await call(client, sub, { names, all: !!values.all, down, hideEssentials });
  if (values.json) printJson(services);
  else printLines(services);
  return EXIT.ok;
}

/**
 * `+name` / `-name` where the live state and the supervisor disagree; exit 1 if
 * any (s6-rc 0.5.4). A oneshot whose outcome is unknown (its script ran under a
 * supervisor that died) is neither: a warning says so, and the exit is 1 too.
 */
async function diff(client: ControlClient, json: boolean): Promise<number> {
  const result = await call(client, 'diff', {});
  const { lines, unknown } = result;
  if (json) printJson(result);
  else printLines(lines);
  for (const u of unknown) process.stderr.write(`s6rc: warning: service ${u.service}: ${u.error ?? 'outcome unknown'}; the next change decides\n`);
  return lines.length || unknown.length ? EXIT.failed : EXIT.ok;
}

function printLines(lines: string[]): void {
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
}

/** One JSON value on one line. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/**
 * Prints what the supervisor streams for a change, an update or a reload:
 * its text, `out` on stdout and `err` on stderr; with `json`, every message
 * but `err` as one JSON line on stdout instead (`err` is for people, and stays
 * text on stderr).
 */
export function streamed(json: boolean): (data: ProgressOf<'change' | 'update' | 'reload'>) => void {
  return (data) => {
    if (!('out' in data || 'err' in data)) {
      if (json) printJson(data);
      return;
    }
    const { out, err } = data as { out?: string; err?: string };
    if (err !== undefined) process.stderr.write(err);
    if (out === undefined) return;
    if (json) printJson({ out });
    else process.stdout.write(out);
  };
}

/** s6-rc 0.7 `reload`: no dependency engine, the services named must all be up. */
async function reload(client: ControlClient, values: RcValues, names: string[]): Promise<number> {
  const request = { services: names, verbosity: values.verbosity ?? 1, timeout: values.timeout ?? 0, argv: invocationArgv(), user: invokingUser() };
  const result = await call(client, 'reload', request, streamed(!!values.json));
  if (values.json) printJson(result);
  return result.exitCode;
}

async function change(client: ControlClient, values: RcValues, names: string[]): Promise<number> {
  let changeId: number | null = null;
  let interrupted: string | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    // Tell the supervisor why; it stops scheduling and answers with exit 1.
    if (changeId !== null) client.request('change-cancel', { changeId, why: `client received ${signal}` }).catch(() => {});
    else client.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const json = !!values.json;
  const reporter = new ChangeReporter();
  const print = streamed(json);
  try {
    const result = await call(
      client,
      'change',
      {
        names,
        // As s6-rc: -e (without essentials) makes -d a -D.
        direction: values.direction === 'down' && values.essentials === 'hide' ? 'DOWN' : (values.direction ?? 'up'),
        all: !!values.all,
        prune: !!values.prune,
        verbosity: values.verbosity ?? 1,
        dryRun: values.dryRun ?? null,
        timeout: values.timeout ?? 0,
        block: !!values.block,
        argv: invocationArgv(),
        user: invokingUser(),
        events: json,
      },
      (data) => {
        if ('changeId' in data && data.changeId !== null) changeId = data.changeId;
        reporter.add(data);
        print(data);
      },
    );
    if (json) printJson(reporter.report(result));
    return interrupted ? EXIT.failed : result.exitCode;
  } catch (err) {
    if (interrupted) return EXIT.failed;
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
