/**
 * The crash harness's invariants. Each check returns null when it holds,
 * else one line saying what is wrong (the harness collects them, so a failing
 * seed reports every violation at once).
 */
import { isAlive } from '../helpers/supervisor.js';
import type { CrashLive, LoggedEvent } from './crashLive.js';
import { closure, type Graph } from './crashWorld.js';

export interface Status {
  name: string;
  type: 'longrun' | 'oneshot';
  state: string;
  pid: number | null;
  wantedUp: boolean;
  normallyUp: boolean;
}

export async function statuses(w: CrashLive): Promise<Map<string, Status>> {
  const r = await w.run('status', '--json');
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return new Map((JSON.parse(r.stdout) as Status[]).map((s) => [s.name, s]));
}

const RUNNING = new Set(['starting', 'up-unready', 'ready']);

/** (a) What a reader saw committed before the kill is still there, identical; seqs run 1..n with no gap. */
export function logKept(before: LoggedEvent[], after: LoggedEvent[]): string | null {
  for (let i = 0; i < after.length; i++) if (after[i].seq !== i + 1) return `event log: seq ${after[i].seq} at position ${i + 1} (a gap or a reordering)`;
  for (const e of before) {
    const now = after[e.seq - 1];
    if (!now) return `event log: seq ${e.seq} (${e.type} ${e.service ?? ''}) committed before the kill is gone (log ends at ${after.length})`;
    if (JSON.stringify(now) !== JSON.stringify(e)) return `event log: seq ${e.seq} changed: ${JSON.stringify(e)} became ${JSON.stringify(now)}`;
  }
  return null;
}

/**
 * (b) Every service process alive at the kill is adopted (its service's pid
 * now) or recorded: its end is an event naming its pid, or the recovering
 * supervisor stopped it as a stray (and it is gone), or, for one whose pid
 * no event ever named (spawned just before the kill), a `*.lost` with no
 * pid after the kill.
 */
export function processesAccounted(atKill: Map<string, number[]>, now: Map<string, Status>, events: LoggedEvent[], lastSeqAtKill: number): string | null {
  const ended = new Set<string>();
  const named = new Set<string>();
  for (const e of events) {
    const p = JSON.parse(e.payload) as { pid?: number | null; stopped?: { service: string; pid: number }[] };
    if (e.service && typeof p.pid === 'number') named.add(`${e.service}:${p.pid}`);
    if (e.service && typeof p.pid === 'number' && /\.(exited|lost)$/.test(e.type)) ended.add(`${e.service}:${p.pid}`);
    // A run spawned in the last moment, its pid never committed, is lost with no pid to name.
    if (e.service && p.pid === null && /\.lost$/.test(e.type) && e.seq > lastSeqAtKill) ended.add(`${e.service}:unrecorded`);
    if (e.type === 'supervisor.recovered') for (const s of p.stopped ?? []) ended.add(`${s.service}:${s.pid}:stray`);
  }
  for (const [service, pids] of atKill) {
    for (const pid of pids) {
      if (now.get(service)?.pid === pid && isAlive(pid)) continue;
      if (ended.has(`${service}:${pid}`)) continue;
      if (!isAlive(pid) && !named.has(`${service}:${pid}`) && ended.has(`${service}:unrecorded`)) continue;
      if (ended.has(`${service}:${pid}:stray`)) {
        if (isAlive(pid)) return `process ${pid} of ${service}: stopped as a stray at recovery but still alive`;
        continue;
      }
      return `process ${pid} of ${service}, alive at the kill: ${isAlive(pid) ? 'still alive, not adopted' : 'dead'} and no event records its end (status pid ${now.get(service)?.pid ?? null})`;
    }
  }
  return null;
}

/**
 * No orphan, no duplicate: every service process is its longrun's supervised
 * run, one per service. `before` and `after` are statuses taken around the
 * look at the processes: a service whose run changed in between (one that
 * exits and is restarted) is only held to one process.
 */
export function noStrayProcesses(before: Map<string, Status>, found: Map<string, number[]>, after: Map<string, Status>): string | null {
  for (const [service, pids] of found) {
    const st = after.get(service);
    if (!st || st.type !== 'longrun') return `process ${pids.join(',')} of ${service}: ${st ? 'a oneshot script still running' : 'an unknown service'}`;
    if (pids.length > 1) return `${service} has ${pids.length} processes: ${pids.join(', ')} (supervised: ${st.pid})`;
    const moved = before.get(service)?.pid !== st.pid;
    if (!moved && pids[0] !== st.pid) return `process ${pids[0]} of ${service} is not the supervised one (${st.pid})`;
  }
  return null;
}

/** (d) After `change -pu wanted`: the live state is the wanted closure, and each service is in the state that says. */
export function converged(graph: Graph, wanted: Set<string>, listed: string[], now: Map<string, Status>): string | null {
  const expected = closure(graph, wanted, 'up');
  const want = [...expected].sort().join(' ');
  const got = [...listed].sort().join(' ');
  if (want !== got) return `live state after the change: [${got}], wanted [${want}]`;
  for (const [name, def] of Object.entries(graph)) {
    const st = now.get(name);
    if (!st) return `status has no ${name}`;
    const up = expected.has(name);
    if (def.kind === 'oneshot') {
      if (st.state !== (up ? 'ready' : 'down')) return `oneshot ${name}: ${st.state}, wanted ${up ? 'up' : 'down'}`;
    } else if (!up) {
      if (st.state !== 'down' || st.pid !== null) return `longrun ${name}: ${st.state} (pid ${st.pid}), wanted down`;
    } else if (def.kind === 'exiting') {
      if (!RUNNING.has(st.state)) return `longrun ${name}: ${st.state}, wanted up`;
    } else if (!RUNNING.has(st.state) || st.pid === null || !isAlive(st.pid)) return `longrun ${name}: ${st.state} (pid ${st.pid}), wanted up and running`;
  }
  return null;
}

/**
 * No oneshot ran twice for one request: its counter file never shows the same
 * script twice in a row, except after a run whose outcome the log says was
 * lost or failed (the next change decides, and may run it again); and every
 * run is in the log (commit before spawn: the transition that runs it is
 * committed first; its `script.spawned` may be lost with the supervisor).
 */
export function oneshotRuns(graph: Graph, w: CrashLive, events: LoggedEvent[]): string | null {
  for (const [name, def] of Object.entries(graph)) {
    if (def.kind !== 'oneshot') continue;
    const lines = w.runs(name);
    const mine = events.filter((e) => e.service === name);
    const spawned = { up: 0, down: 0 };
    let excused = 0;
    for (const e of mine) {
      const p = JSON.parse(e.payload) as { script?: 'up' | 'down'; code?: number | null };
      // Commit before spawn: the event that sent it to starting (stopping) is committed before its up (down) runs.
      if (e.to_state === 'starting' && e.from_state !== 'starting') spawned.up++;
      if (e.to_state === 'stopping' && e.from_state !== 'stopping') spawned.down++;
      if (e.type === 'script.lost' || e.type === 'script.timeout' || (e.type === 'script.exited' && p.code !== 0)) excused++;
    }
    const ran = { up: lines.filter((l) => l === 'up').length, down: lines.filter((l) => l === 'down').length };
    if (ran.up > spawned.up || ran.down > spawned.down) return `oneshot ${name}: ran up ${ran.up}, down ${ran.down} times, but the log records ${spawned.up} and ${spawned.down} transitions to starting and stopping`;
    let twice = 0;
    for (let i = 1; i < lines.length; i++) if (lines[i] === lines[i - 1]) twice++;
    // Before any down, a first "down" line is itself a run nothing asked for.
    if (lines[0] === 'down') twice++;
    if (twice > excused) return `oneshot ${name}: ran the same script twice in a row ${twice} times (runs: ${lines.join(' ')}), only ${excused} lost or failed outcomes excuse it`;
  }
  return null;
}
