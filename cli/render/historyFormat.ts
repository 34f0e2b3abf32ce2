/** How one event reads in `history`: a table row for people, one JSON object per line for programs. */
import type { ChangeRow, EventRow } from '../../store/events/types.js';
import { withProgramName } from '../invocation.js';
import { formatDuration, formatTime } from './timeArg.js';

/**
 * Why a transition happened, from the event type and payload: the exit code
 * or signal of a process, readiness, a timeout, an error, and who asked (the
 * change and its user).
 */
export function describeCause(e: EventRow, users: ReadonlyMap<number, string>): string {
  const p = e.payload;
  const parts: string[] = [];
  const code = p.code ?? p.exitCode;
  if (typeof p.signal === 'string' && p.signal) parts.push(`signal ${p.signal}`);
  else if (typeof code === 'number') parts.push(`exit ${code}`);
  if (/ready|readiness|notif/i.test(e.type)) parts.push('readiness');
  if (/timeout|timed/i.test(e.type) || p.timeout !== undefined) parts.push(typeof p.timeout === 'number' ? `timeout ${p.timeout}ms` : 'timeout');
  if (typeof p.pid === 'number' && /spawn/i.test(e.type)) parts.push(`pid ${p.pid}`);
  if (typeof p.error === 'string' && p.error) parts.push(p.error);
  if (typeof p.reason === 'string' && p.reason) parts.push(p.reason);
  if (e.type === 'change.started' && Array.isArray(p.argv)) parts.push(`argv ${withProgramName((p.argv as unknown[]).map(String)).join(' ')}`);
  if (e.type === 'change.ended' && typeof p.exitCode === 'number' && !parts.length) parts.push(`exit ${p.exitCode}`);
  if (e.changeId !== null) {
    const user = users.get(e.changeId) ?? (typeof p.user === 'string' ? p.user : undefined);
    parts.push(`by change ${e.changeId}${user ? ` (${user})` : ''}`);
  }
  return parts.join(', ');
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

export const CHANGE_HEADER = ['ID', 'BOOT', 'STARTED', 'DURATION', 'EXIT', 'DONE', 'FAILED', 'USER', 'ARGV'];

export function changeCells(c: ChangeRow): string[] {
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
  });
}
