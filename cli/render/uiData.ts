/**
 * What `s6rc ui` sends its page, as JSON: events, changes, deaths and the
 * timeline, each said the way `history` and `plot` say it (the same cause
 * text, times, death fields and SVG). Pure: rows in, objects out.
 */
import type { CompiledModel } from '../../machines/model.js';
import type { ChangeRow, EventRow } from '../../store/events/types.js';
import { withProgramName } from '../invocation.js';
import { prerequisitesIn } from './changeTimeline.js';
import { deathCells, deathsOf, describeCause } from './historyFormat.js';
import { plotToSvg } from './plotSvg.js';
import { formatTime } from './timeArg.js';
import { buildTimeline, criticalChain } from './timeline.js';

/** One event as the page lists it. */
export interface UiEvent {
  seq: number;
  /** ms since the epoch. */
  time: number;
  /** As `history` prints it. */
  timeText: string;
  change: number | null;
  service: string | null;
  event: string;
  from: string | null;
  to: string | null;
  /** `history`'s CAUSE column. */
  cause: string;
}

export function uiEvent(e: EventRow, users: ReadonlyMap<number, string>): UiEvent {
  return { seq: e.seq, time: e.time, timeText: formatTime(e.time), change: e.changeId, service: e.service, event: e.type, from: e.from, to: e.to, cause: describeCause(e, users) };
}

/** One change invocation, for the page's change filter and the timeline's caption. */
export interface UiChange {
  id: number;
  /** The command line, `s6rc` first. */
  argv: string;
  user: string;
  started: number;
  ended: number | null;
  exitCode: number | null;
  reason: string | null;
  done: number;
  failed: number;
}

export function uiChange(c: ChangeRow): UiChange {
  return { id: c.id, argv: withProgramName(c.argv).join(' '), user: c.user, started: c.started, ended: c.ended, exitCode: c.exitCode, reason: c.reason, done: c.done, failed: c.failed };
}

/** One death, in `history --deaths`'s columns. */
export interface UiDeath {
  time: string;
  death: string;
  pid: string;
  upFor: string;
}

/** The deaths among a longrun's events, oldest first (`history --deaths`'s `deathsOf`). */
export function uiDeaths(events: EventRow[]): UiDeath[] {
  return deathsOf(events).map((d) => {
    const [time, death, pid, upFor] = deathCells(d);
    return { time, death, pid, upFor };
  });
}

/** The timeline of one change: `plot`'s SVG and the change it draws (null: no change yet). */
export interface UiPlot {
  change: UiChange | null;
  svg: string | null;
}

/**
 * `plot`'s picture of `change` from its events. While the change runs, its
 * open bars reach `now`, so the picture grows as the change goes on.
 */
export function uiPlot(change: ChangeRow | null, events: EventRow[], model: CompiledModel | null, now: number): UiPlot {
  if (!change) return { change: null, svg: null };
  const timeline = buildTimeline(change.id, events);
  if (change.ended === null) {
    if (!events.length) timeline.start = change.started;
    timeline.end = Math.max(timeline.end, now);
  }
  return { change: uiChange(change), svg: plotToSvg(timeline, criticalChain(timeline, prerequisitesIn(model))) };
}
