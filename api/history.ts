/**
 * The API's reading of the event log (`history`, `changes`): read-only, so
 * it runs beside a supervisor that writes it (WAL readers never block the
 * writer), opened for each call and closed after it. better-sqlite3 is
 * loaded on the first call only: a program that never reads history never
 * loads it.
 */
import { existsSync } from 'node:fs';
import type { LoggedEventType } from '../machines/events.js';
import { EXIT } from '../machines/errors.js';
import type { ChangeRow, EventLogReader } from '../store/events/types.js';
import { S6rcError, toS6rcError } from './errors.js';
import type { ChangesQuery, HistoryEvent, HistoryQuery } from './types.js';
import { checkCount, checkTime } from './validate.js';

/** Runs `read` on the event log at `file`, with the CLI's errors: 111 missing or unreadable, 4 not an s6rc event log. */
async function withLog<T>(file: string, read: (log: EventLogReader) => T): Promise<T> {
  if (!existsSync(file)) throw new S6rcError(EXIT.system, `unable to open event log ${file}: no such file (is the live directory initialised?)`);
  const { openEventLog } = await import('../store/events/open.js');
  let log: EventLogReader;
  try {
    log = openEventLog(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'SQLITE_CANTOPEN') throw new S6rcError(EXIT.system, `unable to open event log ${file}: ${e.message}`, { cause: err });
    throw new S6rcError(EXIT.invalidDatabase, `unable to read event log ${file}: ${e.message}`, { cause: err });
  }
  try {
    return read(log);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_')) throw new S6rcError(EXIT.invalidDatabase, `unable to read event log ${file}: ${e.message}`, { cause: err });
    throw toS6rcError(err);
  } finally {
    log.close();
  }
}

const optionalCount = (value: unknown, option: string) => (value === undefined ? undefined : checkCount(value, option));

/**
 * The events matching `query`, oldest first, each typed by its `type`.
 *
 * @example await readHistory(file, { service: 'db', type: 'run.exited', limit: 10 }) // → [{ type: 'run.exited', payload: { pid, code, signal, time }, ... }]
 */
export async function readHistory<T extends LoggedEventType>(file: string, query: HistoryQuery<T> = {}): Promise<Extract<HistoryEvent, { type: T }>[]> {
  const filter = {
    service: query.service,
    changeId: optionalCount(query.changeId, 'changeId'),
    type: query.type,
    since: checkTime(query.since, 'since'),
    until: checkTime(query.until, 'until'),
    afterSeq: optionalCount(query.afterSeq, 'afterSeq'),
    limit: optionalCount(query.limit, 'limit'),
  };
  // Rows carry the payload each event type records (machines/events.ts); the store keeps it as JSON.
  return withLog(file, (log) => log.history(filter) as unknown as Extract<HistoryEvent, { type: T }>[]);
}

/** The change invocations matching `query`, oldest first (what `s6rc history --changes` lists). */
export async function readChanges(file: string, query: ChangesQuery = {}): Promise<ChangeRow[]> {
  const filter = { id: optionalCount(query.id, 'id'), since: checkTime(query.since, 'since'), until: checkTime(query.until, 'until'), limit: optionalCount(query.limit, 'limit') };
  return withLog(file, (log) => log.changes(filter));
}
