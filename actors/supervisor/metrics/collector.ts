/**
 * The supervisor's Prometheus metrics (`--metrics`), in prom-client's
 * registry. Two sources, each the cheap one for what it gives:
 *
 * - at scrape time, one pass over the service actors' current statuses
 *   (serviceSeries.ts): state (one-hot), readiness, wanted up, since when,
 *   deaths, restarts, last exit. Always right (after an update, after a
 *   recovery), and costs nothing between scrapes;
 * - incrementally, from the rows the event log commits (`observe`, wired to
 *   the store's commit listener): appends and commits, restarts
 *   (`respawn.due`), changes by exit code (`change.ended`) and transition
 *   durations (transitions.ts). Rows arrive once per commit, after it, so
 *   the actors' own steps never wait on a metric.
 *
 * This module is loaded only with `--metrics`: it is what pulls prom-client in.
 */
import { statSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CompiledModel } from '../../../machines/model.js';
import type { EventRow } from '../../../store/events/types.js';
import type { ServiceHandle } from '../../service/types.js';
import { SeriesText } from './seriesText.js';
import { ServiceSeries, type Series } from './serviceSeries.js';
import { TransitionTimer } from './transitions.js';

/** What the metrics read of the supervisor. */
export interface MetricsSource {
  /** One actor per atomic service, as they are now (an update replaces some). */
  readonly services: ReadonlyMap<string, ServiceHandle>;
  /** The database it runs under now: a service's type, for rows that do not carry it. */
  readonly model: CompiledModel;
  /** The event log file, whose size (with its WAL) is reported. */
  readonly storePath: string;
}

export interface Metrics {
  /** The store's commit listener: every row it committed, in order. */
  observe(rows: EventRow[]): void;
  /** The exposition text, computed now, in pieces to send one after the other. */
  scrape(): Promise<Buffer[]>;
  /** Its Content-Type (Prometheus text format 0.0.4). */
  readonly contentType: string;
}

/** Seconds: from a oneshot that exits at once to a slow database's readiness and a timeout-kill. */
const TRANSITION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Builds the registry and its metrics for one supervisor.
 *
 * @example
 *   const metrics = createMetrics(supervisor);
 *   store.onCommit((rows) => metrics.observe(rows));
 *   const text = await metrics.scrape();
 */
export function createMetrics(source: MetricsSource): Metrics {
  const register = new Registry();
  const registers = [register];
  const services = new ServiceSeries();
  const restartCounts = new Map<string, number>();
  const perService = ['service', 'type'];
  let last: Promise<unknown> = Promise.resolve();

  // Per service, from the statuses read at the scrape.
  const perServiceMetrics: [SeriesText, () => Series[]][] = [
    [new SeriesText({ name: 's6rc_service_state', help: "Service actor's state: 1 for the state it is in, 0 for the others.", labelNames: [...perService, 'state'] }, 'gauge'), () => services.state()],
    [
      new SeriesText({ name: 's6rc_service_ready', help: 'Readiness: 1 if the service is ready (a longrun that notified readiness, or is up without notification-fd; a oneshot whose up succeeded), else 0.', labelNames: perService }, 'gauge'),
      () => services.ready(),
    ],
    [new SeriesText({ name: 's6rc_service_wanted_up', help: "1 if the supervisor wants the service up (s6-svstat's want up), else 0.", labelNames: perService }, 'gauge'), () => services.wantedUp()],
    [new SeriesText({ name: 's6rc_service_since_timestamp_seconds', help: 'When the service last went up or down (Unix time).', labelNames: perService }, 'gauge'), () => services.since()],
    [new SeriesText({ name: 's6rc_service_deaths_total', help: "Deaths of a longrun's run since the supervisor created the service.", labelNames: perService }, 'counter'), () => services.deaths()],
    [new SeriesText({ name: 's6rc_service_restarts_total', help: "Times a longrun's run was started again after it died, since this supervisor started.", labelNames: perService }, 'counter'), () => services.restarts()],
    [
      new SeriesText({ name: 's6rc_service_last_exit_code', help: 'Exit code of the last run (longrun) or script (oneshot) that exited; absent if none exited yet or a signal killed it.', labelNames: perService }, 'gauge'),
      () => services.exitCode(),
    ],
    [
      new SeriesText({ name: 's6rc_service_last_exit_signal', help: 'The signal that killed the last run or script, in the signal label (value 1); absent if it exited.', labelNames: [...perService, 'signal'] }, 'gauge'),
      () => services.signal(),
    ],
  ];

  // Incremental, from the committed rows.
  const transitions = new Histogram({
    name: 's6rc_transition_duration_seconds',
    help: "Time from a request (up or down) to the service's resting state, by kind, service type and result (ok: it got where it was asked to go).",
    labelNames: ['kind', 'type', 'result'],
    buckets: TRANSITION_BUCKETS,
    registers,
  });
  const changes = new Counter({ name: 's6rc_changes_total', help: 'Changes (change, update, reload, shutdown) ended since this supervisor started, by exit code (unknown: a supervisor died during it).', labelNames: ['exit_code'], registers });
  const appends = new Counter({ name: 's6rc_event_log_appends_total', help: 'Events committed to the event log since this supervisor started.', registers });
  const commits = new Counter({ name: 's6rc_event_log_commits_total', help: 'Transactions committed to the event log since this supervisor started.', registers });
  new Gauge({
    name: 's6rc_event_log_size_bytes',
    help: 'Size of the event log on disk: the database file and its write-ahead log.',
    registers,
    collect() {
      this.set(fileSize(source.storePath) + fileSize(`${source.storePath}-wal`));
    },
  });
  // process_resident_memory_bytes, process_open_fds, CPU, heap, event-loop lag, GC.
  collectDefaultMetrics({ register });

  const timer = new TransitionTimer((t) => {
    const type = source.model.services.get(t.service)?.type;
    if (type === 'longrun' || type === 'oneshot') transitions.observe({ kind: t.kind, type, result: t.result }, t.ms / 1000);
  });

  return {
    contentType: register.contentType,
    observe(rows) {
      if (rows.length === 0) return;
      commits.inc();
      appends.inc(rows.length);
      for (const row of rows) {
        if (row.type === 'respawn.due' && row.service !== null) restartCounts.set(row.service, (restartCounts.get(row.service) ?? 0) + 1);
        else if (row.type === 'change.ended') {
          const code = row.payload.exitCode;
          changes.inc({ exit_code: typeof code === 'number' ? String(code) : 'unknown' });
        }
        timer.observe(row);
      }
    },
    scrape() {
      // One at a time: the series' cached lines are shared.
      const text = last.then(async () => {
        services.take(source.services.values(), (name) => restartCounts.get(name) ?? 0);
        const blocks: Buffer[] = [];
        for (const [metric, read] of perServiceMetrics) blocks.push(await metric.text(read()));
        blocks.push(Buffer.from(await register.metrics()));
        return blocks;
      });
      last = text.catch(() => undefined);
      return text;
    },
  };
}

/** A file's size, 0 when it is not there (the WAL, once truncated and removed). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
