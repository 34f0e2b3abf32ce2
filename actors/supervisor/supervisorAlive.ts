import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { livePaths } from './liveDir.js';
import { socketAddress, type SocketAddress } from '../../protocol/socketAddress.js';

/**
 * Whether a supervisor serves this live directory: it answers on the socket,
 * or the pid in `pid` is a living `s6rc daemon` (one still starting up).
 * Returns its pid, or null.
 */
export async function supervisorAlive(live: string, timeoutMs = 2000): Promise<number | null> {
  const paths = livePaths(live);
  const pid = readPid(paths.pid);
  let address: SocketAddress;
  try {
    address = socketAddress(live, 'control');
  } catch {
    return pid !== null && isLivingDaemon(pid) ? pid : null;
  }
  const answered = await new Promise<boolean | 'busy'>((resolve) => {
    const socket = connect(address.path);
    socket.once('connect', () => address.release());
    const timer = setTimeout(() => (socket.destroy(), resolve('busy')), timeoutMs);
    socket.once('connect', () => {
      socket.write(JSON.stringify({ id: 1, op: 'ping' }) + '\n');
    });
    socket.once('data', () => (clearTimeout(timer), socket.destroy(), resolve(true)));
    socket.once('error', () => (clearTimeout(timer), resolve(false)));
  }).finally(() => address.release());
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
