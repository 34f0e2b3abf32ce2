import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readProcessStartTime } from '../service/procStartTime.js';

/**
 * The environment markers every process a supervisor starts carries (run and
 * the oneshot scripts; spawnProcess strips them from the supervisor's own
 * environment): the live directory and the service. They survive a
 * supervisor's death, so the next one can find what it left running, even
 * what no event recorded. Services may read them too.
 */
export function serviceMarkers(live: string, service: string): Record<string, string> {
  return { S6RC_LIVE: live, S6RC_SERVICE: service };
}

/**
 * The environment the supervisor adds for a service's processes: the markers,
 * and for a oneshot `RC_NAME`, its name (s6-rc 0.6.1).
 */
export function serviceEnvironment(live: string, service: string, type: 'longrun' | 'oneshot'): Record<string, string> {
  return type === 'oneshot' ? { ...serviceMarkers(live, service), RC_NAME: service } : serviceMarkers(live, service);
}

export interface FoundProcess {
  pid: number;
  startTime: string | null;
}

/**
 * The processes started for services of `live` that still run, by service:
 * those whose environment carries the live directory's markers and that lead
 * their own session (run and the scripts do: what they fork shares their
 * session and is found through them), oldest first; also processes working
 * inside `<live>/servicedirs/<name>` (what an older s6rc started without
 * markers). A process's working directory names its service before its
 * marker does: `update` renames a longrun's directory with its process
 * inside, while the marker keeps the name it was started under.
 */
export function findServiceProcesses(live: string, { leadersOnly = true } = {}): Map<string, FoundProcess[]> {
  const found = new Map<string, FoundProcess[]>();
  const servicedirs = `${live}/servicedirs/`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const service = workingIn(entry, servicedirs) ?? markedService(entry, live);
    if (service === null || (leadersOnly && !leadsSession(entry))) continue;
    const list = found.get(service) ?? [];
    list.push({ pid: Number(entry), startTime: readProcessStartTime(Number(entry)) });
    found.set(service, list);
  }
  for (const list of found.values()) list.sort((a, b) => Number(a.startTime ?? 0) - Number(b.startTime ?? 0));
  return found;
}

function markedService(pid: string, live: string): string | null {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return null; // gone, or not ours to read
  }
  if (!environ.includes(`\0S6RC_LIVE=${live}\0`) && !environ.startsWith(`S6RC_LIVE=${live}\0`)) return null;
  const at = environ.indexOf('S6RC_SERVICE=');
  if (at < 0 || (at > 0 && environ[at - 1] !== '\0')) return null;
  const end = environ.indexOf('\0', at);
  return environ.slice(at + 'S6RC_SERVICE='.length, end < 0 ? undefined : end);
}

function workingIn(pid: string, servicedirs: string): string | null {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    if (!cwd.startsWith(servicedirs)) return null;
    return cwd.slice(servicedirs.length).split('/')[0] || null;
  } catch {
    return null;
  }
}

function leadsSession(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3); the session is field 6.
    return fields[0] !== 'Z' && fields[3] === pid;
  } catch {
    return false;
  }
}

/** Pids of every process still running for a service of `live`, leaders of their session or not. */
export function serviceProcesses(live: string): number[] {
  return [...findServiceProcesses(live, { leadersOnly: false }).values()].flat().map((p) => p.pid);
}
