/**
 * Opens the event log read-only for `history`, `plot` and `replay`, with the
 * same one-line errors everywhere: a missing log exits 111 (nothing to read
 * yet: wrong -l or -s, or no `init`), one this user may not read exits 111
 * and says why (EACCES), a corrupted one exits 4.
 */
import type { EventLogReader } from '../store/events/types.js';
import { EXIT, Fatal } from './fatal.js';
import { mustRead, statIfPresent } from './pathAccess.js';

const missing = (file: string) => new Fatal(EXIT.system, `unable to open event log ${file}: no such file (is the live directory initialised? see -l, -s)`);

export async function openLog(file: string): Promise<EventLogReader> {
  if (!statIfPresent(file, 'event log')) throw missing(file);
  mustRead(file, 'event log');
  const { openEventLog } = await import('../store/events/open.js');
  try {
    return openEventLog(file);
  } catch (err) {
    if (err instanceof Fatal) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'SQLITE_CANTOPEN' || /unable to open|does not exist/i.test(e.message)) {
      throw missing(file);
    }
    throw new Fatal(EXIT.invalidDatabase, `unable to read event log ${file}: ${e.message}`);
  }
}
