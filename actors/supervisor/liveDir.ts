/**
 * The live directory's layout and its safety checks. Everything a client or
 * the supervisor needs to find lives here, so paths are spelled once.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, Fatal } from '../../machines/errors.js';

export const livePaths = (live: string) => ({
  control: join(live, 'control'),
  pid: join(live, 'pid'),
  compiled: join(live, 'compiled'),
  log: join(live, 'supervisor.log'),
  servicedirs: join(live, 'servicedirs'),
  scripts: join(live, 'scripts'),
  storeLink: join(live, 'store'),
  defaultStore: join(live, 'events.db'),
});

/**
 * Refuses a live directory others could reach into: it must be a directory
 * owned by us with no group/other permissions (0700), since the control
 * socket inside it accepts every command.
 */
export function checkLiveDir(live: string): void {
  let st;
  try {
    st = statSync(live);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Fatal(EXIT.system, `live directory ${live}: ${code ?? err}${code === 'ENOENT' ? ' (create it with s6rc init)' : ''}`);
  }
  if (!st.isDirectory()) throw new Fatal(EXIT.system, `live directory ${live} is not a directory`);
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid) throw new Fatal(EXIT.system, `live directory ${live} is owned by uid ${st.uid}, not by us (uid ${uid})`);
  const mode = st.mode & 0o777;
  if (mode & 0o077) throw new Fatal(EXIT.system, `live directory ${live} has mode 0${mode.toString(8)}, expected 0700`);
}
