import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { livePaths } from './liveDir.js';

/**
 * Whether a supervisor serves this live directory: it answers on the socket,
 * or the pid in `pid` is a living `s6rc daemon` (one still starting up).
 * Returns its pid, or null.
 */
export async function supervisorAlive(live: string, timeoutMs = 2000): Promise<number | null> {
  const paths = livePaths(live);
  const pid = readPid(paths.pid);
  const answered = await new Promise<boolean | 'busy'>((resolve) => {
    const socket = connect(paths.control);
    const timer = setTimeout(() => (socket.destroy(), resolve('busy')), timeoutMs);
    socket.once('connect', () => {
      socket.write(JSON.stringify({ id: 1, op: 'ping' }) + '\n');
    });
    socket.once('data', () => (clearTimeout(timer), socket.destroy(), resolve(true)));
    socket.once('error', () => (clearTimeout(timer), resolve(false)));
  });
  if (answered === true || answered === 'busy') return pid ?? -1;
  if (pid !== null && isLivingDaemon(pid)) return pid;
  return null;
}

function readPid(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** The pid exists and its command line is an s6rc daemon (a recycled pid is someone else). */
function isLivingDaemon(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('daemon') && argv.some((a) => a.includes('s6rc'));
  } catch {
    return false;
  }
}
