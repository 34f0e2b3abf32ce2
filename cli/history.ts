/**
 * `s6rc history`: the audit log. Opens the event log read-only (WAL readers
 * never block the writer), so it works while a change runs.
 */
import type { CommandSpec, ParseResult } from './options.js';
import { usageError } from './options.js';
import { EXIT } from './fatal.js';
import { liveDir } from './paths.js';
import { openLog } from './openLog.js';
import { USAGE } from './usage.js';

export const spec: CommandSpec = {
  name: 'history',
  usage: USAGE.history,
  summary: 'Shows the event log: every state change with its cause; --changes lists change invocations; --critical-chain the chain that set a change\'s length.',
  options: [
    { key: 'live', short: 'l', long: 'livedir', kind: 'string', argName: 'live', help: 'live directory (default: $S6RC_LIVE, /run/s6rc for root, else $XDG_RUNTIME_DIR/s6rc)' },
    { key: 'store', short: 's', kind: 'string', argName: 'store', help: 'event log file (default: $S6RC_STORE, else the live directory\'s)' },
    { key: 'service', long: 'service', kind: 'string', argName: 'S', help: 'only events of this service' },
    { key: 'change', long: 'change', kind: 'int', argName: 'ID', help: 'only events of this change (with --critical-chain: that change; default the last)' },
    { key: 'since', long: 'since', kind: 'string', argName: 'T', help: 'from this time: ISO 8601 (2026-11-22T03:00) or relative (90s, 10m, 2h, 3d)' },
    { key: 'until', long: 'until', kind: 'string', argName: 'T', help: 'up to this time, same forms as --since' },
    { key: 'limit', short: 'n', long: 'limit', kind: 'int', argName: 'N', help: 'only the last N entries' },
    { key: 'json', long: 'json', kind: 'flag', help: 'one JSON object per line (NDJSON) with stable field names' },
    { key: 'follow', short: 'f', long: 'follow', kind: 'flag', help: 'keep printing new events as they are appended, until interrupted' },
    { key: 'changes', long: 'changes', kind: 'flag', help: 'list change invocations: id, argv, user, start, duration, exit code, done, failed' },
    { key: 'criticalChain', long: 'critical-chain', kind: 'flag', help: 'print the critical chain of a change (systemd-analyze style)' },
    { key: 'deaths', long: 'deaths', kind: 'string', argName: 'S', help: "list the deaths of longrun S, as s6-svdt does: time, exit code or signal, pid, how long it had been up (--limit: the last N)" },
    {
      key: 'pruneBefore',
      long: 'prune-before',
      kind: 'string',
      argName: 'T',
      help: 'delete the events older than T (same forms as --since), keeping a replay checkpoint at the cut; the live state, open changes and status are untouched',
    },
  ],
  interleaved: true,
};

type Log = import('../store/events/types.js').EventLogReader;

export async function run({ values, operands }: ParseResult): Promise<number> {
  if (operands.length) throw usageError(spec, `unexpected operand ${operands[0]}`);
  const now = Date.now();
  const { parseTimeArg } = await import('./render/timeArg.js');
  const time = (key: 'since' | 'until'): number | undefined => {
    const raw = values[key] as string | undefined;
    if (raw === undefined) return undefined;
    const t = parseTimeArg(raw, now);
    if (t === null) throw usageError(spec, `option --${key} expects an ISO time or a duration such as 10m, got '${raw}'`);
    return t;
  };
  const since = time('since');
  const until = time('until');
  if (values.pruneBefore !== undefined) {
    const others = spec.options.filter((o) => o.key !== 'pruneBefore' && o.key !== 'live' && o.key !== 'store' && o.key !== 'json' && values[o.key] !== undefined && values[o.key] !== false);
    if (others.length) throw usageError(spec, `option --prune-before excludes --${others[0].long ?? others[0].short}`);
    const raw = values.pruneBefore as string;
    const before = parseTimeArg(raw, now);
    if (before === null) throw usageError(spec, `option --prune-before expects an ISO time or a duration such as 10m, got '${raw}'`);
    const { prune } = await import('./historyPrune.js');
    return prune(liveDir(values.live), values.store as string | undefined, before, Boolean(values.json));
  }
  const views = (['changes', 'criticalChain', 'deaths'] as const).filter((k) => values[k] !== undefined && values[k] !== false);
  if (views.length > 1) throw usageError(spec, `options ${views.map((k) => spec.options.find((o) => o.key === k)!.long).map((l) => `--${l}`).join(' and ')} exclude each other`);
  if (values.follow && views.length) throw usageError(spec, 'option --follow applies to events only');

  const live = liveDir(values.live);
  const { storePath } = await import('../store/events/storePath.js');
  const file = storePath(live, values.store as string | undefined);
  const log = await openLog(file);
  try {
    if (values.changes) return await printChanges(log, values, since, until);
    if (values.criticalChain) return await printCriticalChain(log, live, values);
    if (values.deaths !== undefined) return await printDeaths(log, values, since, until);
    return await printEvents(log, values, since, until);
  } finally {
    log.close();
  }
}

async function printEvents(log: Log, values: ParseResult['values'], since?: number, until?: number): Promise<number> {
  const fmt = await import('./render/historyFormat.js');
  const users = log.changeUsers();
  const query = {
    service: values.service as string | undefined,
    changeId: values.change as number | undefined,
    since,
    until,
    limit: values.limit as number | undefined,
  };
  const rows = log.history(query);
  const json = !!values.json;
  const emit = (events: typeof rows, header: boolean) => {
    if (json) {
      if (events.length) process.stdout.write(events.map((e) => fmt.eventJson(e, users)).join('\n') + '\n');
    } else if (header) {
      process.stdout.write(fmt.table(fmt.EVENT_HEADER, events.map((e) => fmt.eventCells(e, users))));
    } else {
      for (const e of events) process.stdout.write(fmt.eventCells(e, users).join('  ') + '\n');
    }
  };
  emit(rows, true);
  if (!values.follow) return EXIT.ok;
  let last = rows.length ? rows[rows.length - 1].seq : log.lastSeq();
  return new Promise<number>((resolve) => {
    // Polls by sequence number: one indexed range read every 200 ms, no lock taken.
    const timer = setInterval(() => {
      let batch;
      do {
        batch = log.history({ ...query, limit: undefined, since: undefined, afterSeq: last, batch: 1000 });
        // A change started since: learn who asked for it.
        if (batch.some((e) => e.changeId !== null && !users.has(e.changeId))) for (const [id, user] of log.changeUsers()) users.set(id, user);
        if (batch.length) {
          emit(batch, false);
          last = batch[batch.length - 1].seq;
        }
      } while (batch.length === 1000);
    }, 200);
    const stop = () => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(EXIT.ok);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function printChanges(log: Log, values: ParseResult['values'], since?: number, until?: number): Promise<number> {
  const fmt = await import('./render/historyFormat.js');
  const rows = log.changes({ id: values.change as number | undefined, since, until, limit: values.limit as number | undefined });
  if (values.json) {
    if (rows.length) process.stdout.write(rows.map(fmt.changeJson).join('\n') + '\n');
  } else process.stdout.write(fmt.changesTable(rows));
  return EXIT.ok;
}

async function printDeaths(log: Log, values: ParseResult['values'], since?: number, until?: number): Promise<number> {
  const fmt = await import('./render/historyFormat.js');
  const service = values.deaths as string;
  // From the start of the log: a death's uptime needs the spawn before it, which --since may leave out.
  let deaths = fmt.deathsOf(log.history({ service, until })).filter((d) => since === undefined || d.time >= since);
  if (values.limit !== undefined) deaths = deaths.slice(-(values.limit as number));
  if (values.json) {
    if (deaths.length) process.stdout.write(deaths.map((d) => fmt.deathJson(service, d)).join('\n') + '\n');
  } else if (deaths.length) process.stdout.write(fmt.table(fmt.DEATH_HEADER, deaths.map(fmt.deathCells)));
  return EXIT.ok;
}

async function printCriticalChain(log: Log, live: string, values: ParseResult['values']): Promise<number> {
  const { loadChangeTimeline } = await import('./render/changeTimeline.js');
  const { timeline, chain } = await loadChangeTimeline(log, live, values.change as number | undefined);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        change: timeline.changeId,
        chain: chain.map((b) => ({ service: b.service, direction: b.direction, startMs: b.start - timeline.start, endMs: b.end! - timeline.start, outcome: b.outcome })),
      }) + '\n',
    );
  } else {
    const { chainToText } = await import('./render/chainText.js');
    process.stdout.write(chainToText(timeline, chain));
  }
  return EXIT.ok;
}
