#!/usr/bin/env node
// Brings services up through s6rc's Node API, printing the change's progress
// and every status change of the services as they happen, then the report.
//
//   node examples/api/start-and-watch.mjs LIVE SERVICE...
//
// LIVE is a live directory with a supervisor running (`s6rc init -c compiled
// -l LIVE`, or `npm start`'s). Exits with the change's exit code (0 done, 1 a
// transition failed, 2 timed out), or the S6rcError's (3 unknown service,
// 111 no supervisor...), as `s6rc change` would.
import { connect, S6rcError } from 's6rc';

const [live, ...services] = process.argv.slice(2);
if (!live || services.length === 0) {
  console.error('usage: node examples/api/start-and-watch.mjs LIVE SERVICE...');
  process.exit(100);
}

let s6rc;
try {
  s6rc = await connect({ live });
  // What the change will touch: the services and what they depend on.
  const closure = await s6rc.listAll({ services });

  // Every status change, from now on (the first message per service is its current status).
  const watching = s6rc.watch(closure).subscribe({
    next: (s) => console.log(`status  ${s.name}: ${s.state}${s.pid ? ` (pid ${s.pid})` : ''}`),
    error: (err) => console.error(`watch: ${err.message}`),
  });

  const change = s6rc.change({ up: services, timeout: 30_000 });
  change.progress$.subscribe((m) => {
    if ('changeId' in m) console.log(`change  ${m.changeId} started`);
    else if ('planned' in m) console.log(`change  plans ${m.planned.transitions.map((t) => `${t.kind} ${t.service}`).join(', ') || 'nothing'}`);
    else if ('transition' in m) {
      const t = m.transition;
      console.log(`change  ${t.kind} ${t.service}: ${t.step}${t.step === 'failed' ? ` (${t.reason})` : ''}${t.step === 'blocked' ? ` by ${t.by}` : ''}`);
    }
  });
  const report = await change;

  // A longrun's up transition ends when it is ready, so this returns at once here; it is how a
  // program that did not start the services itself waits for them.
  if (report.exitCode === 0) await s6rc.wait(services, { until: 'ready', timeout: 10_000 });
  watching.unsubscribe();
  console.log(`done    ${report.done.length} done, ${report.failed.length} failed, ${report.skipped.length} skipped; exit ${report.exitCode}`);
  process.exitCode = report.exitCode;
} catch (err) {
  if (!(err instanceof S6rcError)) throw err;
  // The CLI's own line and exit code.
  console.error(`s6rc: fatal: ${err.message}`);
  process.exitCode = err.exitCode;
} finally {
  s6rc?.close();
}
