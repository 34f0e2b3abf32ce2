/**
 * One change's timeline from its events: a bar per service transition and
 * the critical chain, the way systemd-analyze reads a boot. Pure.
 */
import type { EventRow } from '../../store/events/types.js';

export interface Bar {
  service: string;
  direction: 'up' | 'down';
  /** ms since the epoch. */
  start: number;
  /** When it became up-unready (running, readiness pending), if it did. */
  running: number | null;
  /** When it ended (ready, down or failed); null while still in progress. */
  end: number | null;
  outcome: 'done' | 'failed' | 'running';
  /** Why it failed, as the events say (exit code, signal, error). */
  reason: string | null;
}

export interface Timeline {
  changeId: number;
  start: number;
  end: number;
  bars: Bar[];
}

/**
 * Folds a change's events into bars: `starting` opens an up bar, `stopping`
 * a down bar; `ready` (or `down`) closes it as done, `failed` as failed. The
 * first transition of each service in the change counts.
 */
export function buildTimeline(changeId: number, events: EventRow[]): Timeline {
  const open = new Map<string, Bar>();
  const bars: Bar[] = [];
  const seen = new Set<string>();
  let start = Infinity;
  let end = -Infinity;
  for (const e of events) {
    start = Math.min(start, e.time);
    end = Math.max(end, e.time);
    if (!e.service || !e.to) continue;
    let bar = open.get(e.service);
    if (!bar && (e.to === 'starting' || e.to === 'stopping') && !seen.has(e.service)) {
      bar = { service: e.service, direction: e.to === 'starting' ? 'up' : 'down', start: e.time, running: null, end: null, outcome: 'running', reason: null };
      open.set(e.service, bar);
      seen.add(e.service);
      bars.push(bar);
      continue;
    }
    if (!bar) continue;
    if (e.to === 'up-unready' && bar.running === null) bar.running = e.time;
    const done = bar.direction === 'up' ? e.to === 'ready' : e.to === 'down';
    const failed = e.to === 'failed' || (bar.direction === 'up' && e.to === 'down');
    if (done || failed) {
      bar.end = e.time;
      bar.outcome = done ? 'done' : 'failed';
      if (failed) bar.reason = failureReason(e);
      open.delete(e.service);
    }
  }
  if (!Number.isFinite(start)) start = end = 0;
  return { changeId, start, end, bars };
}

function failureReason(e: EventRow): string {
  const p = e.payload;
  if (typeof p.signal === 'string' && p.signal) return `crashed with signal ${p.signal}`;
  const code = p.code ?? p.exitCode;
  if (typeof code === 'number') return `exited ${code}`;
  if (typeof p.error === 'string') return p.error;
  return e.type;
}

/**
 * The chain of transitions that set the change's length: start from the bar
 * that ended last and repeatedly step to the prerequisite (a dependency when
 * going up, a dependent when going down) that ended last before it started.
 * Returned first-to-last.
 */
export function criticalChain(t: Timeline, prerequisites: (service: string, direction: 'up' | 'down') => readonly string[]): Bar[] {
  const ended = t.bars.filter((b) => b.end !== null);
  if (!ended.length) return [];
  const byService = new Map(ended.map((b) => [b.service, b]));
  let cur = ended.reduce((a, b) => (b.end! > a.end! ? b : a));
  // Built last-to-first (unshift would make a 10,000-deep chain quadratic), then reversed.
  const chain = [cur];
  const seen = new Set([cur.service]);
  for (;;) {
    const cands = prerequisites(cur.service, cur.direction)
      .map((name) => byService.get(name))
      .filter((b): b is Bar => !!b && !seen.has(b.service) && b.end! <= cur.start + 1);
    if (!cands.length) break;
    cur = cands.reduce((a, b) => (b.end! > a.end! ? b : a));
    seen.add(cur.service);
    chain.push(cur);
  }
  return chain.reverse();
}
