/** How one event reads in `history`: a table row for people, one JSON object per line for programs. */
import type { LoggedEvent } from '../../machines/events.js';
import type { StopReason } from '../../machines/plan/update.js';
import type { ChangeRow, EventRow } from '../../store/events/types.js';
import { withProgramName } from '../invocation.js';
import { formatDuration, formatTime } from './timeArg.js';

/**
 * Why a transition happened, from the event and its payload: the exit code
 * or signal of a process, readiness, a timeout, an error, what an update
 * planned, and who asked (the change and its user).
 */
export function describeCause(e: EventRow, users: ReadonlyMap<number, string>): string {
  // A log may come from another s6rc version: a payload is read as its type says, every field checked where used.
  const parts = causeOf({ type: e.type, ...e.payload } as LoggedEvent).filter((p) => p !== '');
  // Only the restart limit takes a running longrun to failed at its death.
  if (e.type === 'run.exited' && e.to === 'failed' && e.from !== 'failed') parts.push('restart limit reached');
  if (e.changeId !== null) {
    const user = users.get(e.changeId) ?? (typeof e.payload.user === 'string' ? e.payload.user : undefined);
    parts.push(`by change ${e.changeId}${user ? ` (${user})` : ''}`);
  }
  return parts.join(', ');
}

function causeOf(ev: LoggedEvent): string[] {
  switch (ev.type) {
    case 'run.spawned':
    case 'script.spawned':
    case 'run.adopted':
    case 'script.adopted':
      return [`pid ${ev.pid}`];
    case 'run.exited':
    case 'script.exited':
      return exitOf(ev.code, ev.signal);
    case 'finish.exited':
      return [...exitOf(ev.code, ev.signal), ev.error ?? ''];
    case 'run.spawnFailed':
    case 'script.spawnFailed':
      return [ev.error];
    case 'run.lost':
    case 'script.lost':
      return [typeof ev.pid === 'number' ? `pid ${ev.pid} gone with no exit recorded` : 'gone with no exit recorded'];
    case 'readiness.notified':
      return ['readiness', ev.via === 'notify' ? 'READY=1' : ev.via === 'probe' ? 'readiness probe' : ''];
    case 'health.failed':
      return [ev.reason];
    case 'notify.state':
      return [
        typeof ev.status === 'string' ? `STATUS=${ev.status}` : '',
        ev.phase === 'running' ? 'READY=1' : ev.phase ? `${String(ev.phase).toUpperCase()}=1` : '',
        typeof ev.mainPid === 'number' ? `MAINPID=${ev.mainPid}` : '',
      ];
    case 'readiness.gaveUp':
      return ['readiness', ev.reason];
    case 'readiness.timeout':
      return ['readiness', timeoutOf(ev.timeout)];
    case 'finish.timeout':
    case 'kill.timeout':
    case 'script.timeout':
      return [timeoutOf(ev.timeout)];
    case 'control.signal':
      return [`signal ${ev.signal}`, ev.reason ?? ''];
    case 'change.started':
      return Array.isArray(ev.argv) ? [`argv ${withProgramName(ev.argv.map(String)).join(' ')}`] : [];
    case 'change.ended':
      return [typeof ev.exitCode === 'number' ? `exit ${ev.exitCode}` : 'exit unknown', ev.reason ?? ''];
    case 'change.timeout':
      return ['timeout', `${ev.inFlight} in flight`];
    case 'change.cancelled':
      return ['cancelled', ev.why ?? ''];
    case 'transition.failed':
      return [...exitOf(ev.code, ev.signal), ev.reason ?? ''];
    case 'transition.blocked':
      return [ev.by ? `blocked by ${ev.by}` : 'blocked'];
    case 'reconcile.corrected':
      return [`actor was ${ev.actorState}`];
    case 'update.planned':
      return describePlan(ev);
    case 'update.switched':
      return [`to ${ev.path}`, `database ${ev.database}`];
    case 'supervisor.started':
      return [`pid ${ev.pid}`, `${ev.services} services`, ev.recovered ? 'recovering' : ''];
    case 'supervisor.recovered':
      return [`pid ${ev.pid}`, ...(['adopted', 'restarted', 'down', 'unknown', 'stopped'] as const).map((k) => (Array.isArray(ev[k]) && ev[k].length ? `${k} ${ev[k].length}` : ''))];
    case 'supervisor.stopping':
      return [ev.reason, typeof ev.timeout === 'number' ? timeoutOf(ev.timeout) : ''];
    case 'supervisor.stopped':
      return [
        ev.reason,
        Array.isArray(ev.killed) && ev.killed.length ? `killed ${ev.killed.join(' ')}` : '',
        ev.timedOut ? 'timeout' : '',
        Array.isArray(ev.orphans) && ev.orphans.length ? `orphans ${ev.orphans.length}` : '',
      ];
    case 'supervisor.shutdown.timeout':
      return ['timeout', Array.isArray(ev.killed) && ev.killed.length ? `killed ${ev.killed.join(' ')}` : ''];
    case 'supervisor.shutdown.error':
      return [ev.error];
    case 'log.dropped':
      return [`${ev.count} events dropped`, `seq ${ev.firstSeq}-${ev.lastSeq}`, 'the event store could not write'];
    case 'log.pruned':
      return [`${ev.events} events pruned`, `up to seq ${ev.cut}`];
    default:
      return [];
  }
}

const exitOf = (code: number | null | undefined, signal: string | null | undefined): string[] =>
  signal ? [`signal ${signal}`] : typeof code === 'number' ? [`exit ${code}`] : [];

const timeoutOf = (ms: number | undefined): string => (typeof ms === 'number' ? `timeout ${ms}ms` : 'timeout');

const REASON: Record<StopReason, string> = {
  gone: 'gone',
  type: 'changed type',
  restart: 'restart asked',
  pipeline: 'pipeline changed',
  dependency: 'depends on a restarted or new service',
  dependent: 'a dependency restarts',
};

/** What an update restarts, stops, renames and starts, and why: "restart b (changed type); stop a (gone); start e". */
function describePlan(plan: Omit<Extract<LoggedEvent, { type: 'update.planned' }>, 'type'>): string[] {
  const stop = Object.entries(plan.stop ?? {});
  const start = new Set(plan.start ?? []);
  const renamed = plan.renamed ?? {};
  const as = plan.restartedAs ?? {};
  const newName = (name: string) => as[name] ?? name;
  const restarted = stop.filter(([name]) => start.has(newName(name)));
  const stopped = stop.filter(([name]) => !start.has(newName(name)));
  const restartedNew = new Set(restarted.map(([name]) => newName(name)));
  const started = [...start].filter((name) => !restartedNew.has(name));
  const why = (list: [string, StopReason][]) => list.map(([name, r]) => `${name}${as[name] ? ` → ${as[name]}` : ''} (${REASON[r] ?? r})`).join(' ');
  return [
    restarted.length ? `restart ${why(restarted)}` : '',
    stopped.length ? `stop ${why(stopped)}` : '',
    started.length ? `start ${started.join(' ')}` : '',
    Object.keys(renamed).length ? `rename ${Object.entries(renamed).map(([a, b]) => `${a} → ${b}`).join(' ')}` : '',
    plan.essentialKept?.length ? `essential kept ${plan.essentialKept.join(' ')}` : '',
  ];
}

/** The stable NDJSON shape of one event (field names are an interface: only ever add). */
export function eventJson(e: EventRow, users: ReadonlyMap<number, string>): string {
  return JSON.stringify({
    seq: e.seq,
    time: new Date(e.time).toISOString(),
    boot: e.boot,
    change: e.changeId,
    user: e.changeId !== null ? (users.get(e.changeId) ?? null) : null,
    service: e.service,
    event: e.type,
    from: e.from,
    to: e.to,
    payload: e.payload,
  });
}

export const EVENT_HEADER = ['SEQ', 'TIME', 'CHANGE', 'SERVICE', 'FROM → TO', 'EVENT', 'CAUSE'];

export function eventCells(e: EventRow, users: ReadonlyMap<number, string>): string[] {
  const transition = e.from || e.to ? `${e.from ?? '-'} → ${e.to ?? '-'}` : '';
  return [String(e.seq), formatTime(e.time), e.changeId === null ? '-' : String(e.changeId), e.service ?? '-', transition, e.type, describeCause(e, users)];
}

/** Lays rows out in columns padded to the widest cell; the last column is never padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  // A fold, not Math.max(...column): spreading 130,000 rows overflows the stack.
  const widths = header.map((_, i) => all.reduce((w, r) => Math.max(w, [...(r[i] ?? '')].length), 0));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ').trimEnd()).join('\n') + '\n';
}

const CHANGE_HEADER = ['ID', 'BOOT', 'STARTED', 'DURATION', 'EXIT', 'DONE', 'FAILED', 'USER', 'ARGV'];

function changeCells(c: ChangeRow): string[] {
  return [
    String(c.id),
    String(c.boot),
    formatTime(c.started),
    c.ended === null ? 'running' : formatDuration(c.ended - c.started),
    c.exitCode !== null ? String(c.exitCode) : c.ended !== null ? `unknown (${c.reason ?? 'no exit recorded'})` : '-',
    String(c.done),
    String(c.failed),
    c.user,
    withProgramName(c.argv).join(' '),
  ];
}

export function changeJson(c: ChangeRow): string {
  return JSON.stringify({
    id: c.id,
    boot: c.boot,
    argv: withProgramName(c.argv),
    user: c.user,
    started: new Date(c.started).toISOString(),
    ended: c.ended === null ? null : new Date(c.ended).toISOString(),
    durationMs: c.ended === null ? null : c.ended - c.started,
    exitCode: c.exitCode,
    reason: c.reason,
    done: c.done,
    failed: c.failed,
    update: c.update,
  });
}

/** The changes as a table; an update's row is followed by what it restarted, stopped and started, and why. */
export function changesTable(rows: ChangeRow[]): string {
  const lines = table(CHANGE_HEADER, rows.map(changeCells)).split('\n');
  const out = [lines[0]];
  rows.forEach((c, i) => {
    out.push(lines[i + 1]);
    if (c.update) for (const part of describePlan(c.update).filter(Boolean)) out.push(`    ${part}`);
  });
  return out.join('\n') + '\n';
}

/** One death of a longrun's run, as `history --deaths` shows it (s6-svdt's view, with how long it had been up). */
export interface Death {
  time: number;
  boot: number;
  pid: number | null;
  code: number | null;
  signal: string | null;
  /** ms from its spawn (or adoption) to its death; null when that is not in the log. */
  upMs: number | null;
  /** The supervisor found it gone with no exit recorded (recovery). */
  lost: boolean;
}

/** The deaths among a longrun's events (oldest first): each run.exited, and each run.lost of a process it had. */
export function deathsOf(events: EventRow[]): Death[] {
  const deaths: Death[] = [];
  let since: number | null = null;
  for (const e of events) {
    if (e.type === 'run.spawned' || e.type === 'run.adopted') {
      if (e.type === 'run.spawned' || since === null) since = e.time;
    } else if (e.type === 'run.exited' || (e.type === 'run.lost' && typeof e.payload.pid === 'number')) {
      const lost = e.type === 'run.lost';
      deaths.push({
        time: e.time,
        boot: e.boot,
        pid: typeof e.payload.pid === 'number' ? e.payload.pid : null,
        code: !lost && typeof e.payload.code === 'number' ? e.payload.code : null,
        signal: !lost && typeof e.payload.signal === 'string' ? e.payload.signal : null,
        upMs: since === null ? null : e.time - since,
        lost,
      });
      since = null;
    }
  }
  return deaths;
}

/** s6-svdt's fields (exitcode N | signal NAME), then the pid and how long it had been up. */
export function deathCells(d: Death): string[] {
  const cause = d.lost ? 'lost' : d.signal ? `signal ${d.signal}` : `exitcode ${d.code ?? 'unknown'}`;
  return [formatTime(d.time), cause, d.pid === null ? '-' : String(d.pid), d.upMs === null ? '-' : formatDuration(d.upMs)];
}

export const DEATH_HEADER = ['TIME', 'DEATH', 'PID', 'UP FOR'];

export function deathJson(service: string, d: Death): string {
  return JSON.stringify({ time: new Date(d.time).toISOString(), boot: d.boot, service, pid: d.pid, exitCode: d.code, signal: d.signal, upMs: d.upMs, lost: d.lost });
}
