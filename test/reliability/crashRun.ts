/**
 * One iteration of the crash harness: set up the scenario's graph, run its
 * operations, inflict its fault, recover, and check every invariant
 * (crashChecks.ts). Returns the violations found (empty when none).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../helpers/supervisor.js';
import { converged, logKept, noStrayProcesses, oneshotRuns, processesAccounted, statuses } from './crashChecks.js';
import { CrashLive, settle, sleep, type LoggedEvent, type Running } from './crashLive.js';
import { updatedGraph, wantedAfter, type Graph, type Op, type Scenario } from './crashWorld.js';

/** What the iteration saw at the moment of the kill. */
interface KillSnapshot {
  events: LoggedEvent[];
  processes: Map<string, number[]>;
}

/** What a stop (SIGSTOP/SIGCONT) variant killed while the supervisor was stopped. */
interface StoppedDeath {
  service: string;
  pid: number;
}

export interface Outcome {
  violations: string[];
  /** What happened, for the failure message. */
  trace: string[];
  /** What this iteration exercised (counted over a run, so a harness that stopped exercising something shows). */
  covered: string[];
}

export async function runScenario(s: Scenario, w: CrashLive): Promise<Outcome> {
  const trace: string[] = [];
  const violations: string[] = [];
  const covered: string[] = [];
  let graph: Graph = s.graph;
  const databases: { compiled: string; graph: Graph }[] = [];
  const compiled = w.compile(graph);
  databases.push({ compiled, graph });
  const fault = s.fault;
  const crashAt = fault.victim === 'crashpoint' ? `${fault.point}:${fault.nth}` : undefined;
  const init = await w.init(compiled, crashAt);
  trace.push(`init${crashAt ? ` (S6RC_CRASH_AT=${crashAt})` : ''}: ${init.code}`);
  let wanted = new Set<string>();
  let snapshot: KillSnapshot | null = null;
  let stopped: StoppedDeath | null = null;
  const supervisorAlive = () => {
    const pid = w.supervisorPid();
    return pid !== null && isAlive(pid);
  };
  const takeSnapshot = (): KillSnapshot => ({ events: w.events(), processes: w.serviceProcesses() });

  for (let i = 0; i < s.ops.length && init.code === 0; i++) {
    const op = s.ops[i];
    if (fault.victim === 'crashpoint' && !supervisorAlive()) break;
    const started = startOp(w, op, graph, (g) => databases.push(g));
    wanted = wantedAfter(graph, wanted, op);
    const { running, nextGraph } = started;
    if (fault.victim !== 'crashpoint' && fault.at === i) {
      await sleep(fault.delayMs);
      if (fault.victim === 'supervisor') {
        const pid = w.supervisorPid()!;
        snapshot = takeSnapshot();
        process.kill(pid, 'SIGKILL');
        trace.push(`${describe(op)}: SIGKILL supervisor ${pid} after ${fault.delayMs} ms`);
        const r = await running.done;
        trace.push(`  client exited ${r.code}`);
        break;
      }
      if (fault.victim === 'client') {
        running.child.kill('SIGKILL');
        const r = await running.done;
        trace.push(`${describe(op)}: SIGKILL client after ${fault.delayMs} ms (exited ${r.code})`);
        covered.push('client killed');
      } else {
        stopped = await stopAndKill(w, trace, op);
        const r = await running.done;
        trace.push(`  client exited ${r.code}`);
      }
    } else {
      const r = await running.done;
      trace.push(`${describe(op)}: ${r.code}${r.code !== 0 ? ` ${r.stderr.trim().split('\n').at(-1)}` : ''}`);
    }
    if (nextGraph && currentDatabaseIs(w, nextGraph.compiled)) graph = nextGraph.graph;
  }

  if (fault.victim === 'crashpoint' || (fault.victim === 'supervisor' && snapshot === null)) {
    // The point was reached (the supervisor is dead) or never was: kill it now, at rest.
    if (supervisorAlive()) {
      snapshot = takeSnapshot();
      process.kill(w.supervisorPid()!, 'SIGKILL');
      trace.push('crash point not reached: SIGKILL supervisor at rest');
    } else {
      snapshot = takeSnapshot();
      trace.push('supervisor died at its crash point');
      if (fault.victim === 'crashpoint') covered.push(`crash point ${fault.point}`);
    }
  }

  if (snapshot) {
    const pid = w.supervisorPid();
    const dead = await settle(() => (pid !== null && isAlive(pid) ? `supervisor ${pid} still alive after SIGKILL` : null), 10_000);
    if (dead) return { violations: [dead], trace, covered };
    covered.push('supervisor killed');
    // What it left running: seen just before the kill, and anything spawned in between.
    for (const [name, pids] of w.serviceProcesses()) snapshot.processes.set(name, [...new Set([...(snapshot.processes.get(name) ?? []), ...pids])]);
    const alive = [...snapshot.processes.values()].flat().length;
    if (alive) covered.push('processes alive at the kill');
    await w.restart();
    trace.push('supervisor restarted');
    // Which database it recovered on: an update killed after its switch runs the new one.
    graph = databases.find((d) => currentDatabaseIs(w, d.compiled))?.graph ?? graph;
    const kept = logKept(snapshot.events, w.events());
    if (kept) violations.push(kept);
    const accounted = await settle(async () => processesAccounted(snapshot!.processes, await statuses(w), w.events(), snapshot!.events.at(-1)?.seq ?? 0), 8000);
    if (accounted) violations.push(`(b) ${accounted}`);
  }

  if (stopped) {
    const { service, pid } = stopped;
    covered.push('run killed while the supervisor was stopped');
    const recorded = await settle(() => (w.events().some((e) => e.service === service && e.type === 'run.exited' && JSON.parse(e.payload).pid === pid) ? null : `${service}: the death of ${pid} while the supervisor was stopped is not in the log`));
    if (recorded) violations.push(`(stop) ${recorded}`);
    const restarted = await settle(async () => {
      const st = (await statuses(w)).get(service);
      if (!st || !st.wantedUp) return null;
      return st.pid !== null && st.pid !== pid && isAlive(st.pid) ? null : `${service}: wanted up, not restarted after the death of ${pid} (${st.state}, pid ${st.pid})`;
    });
    if (restarted) violations.push(`(stop) ${restarted}`);
  }

  const before = await w.run('replay', '--verify');
  if (before.code !== 0) violations.push(`(c) replay --verify after recovery exited ${before.code}: ${before.stderr.trim()}`);

  // (d) Re-issue the wanted state: it converges, and no oneshot ran twice.
  const request = wanted.size ? ['-pu', 'change', ...wanted] : ['-d', 'change', 'all'];
  const change = await w.rc(...request).done;
  trace.push(`${request.join(' ')}: ${change.code}`);
  if (change.code !== 0) violations.push(`(d) change ${request.join(' ')} exited ${change.code}: ${change.stderr.trim()}`);
  const listed = (await w.rc('-a', 'list').done).stdout.split('\n').filter(Boolean);
  // A longrun restarted just before (svc -r, a crash) waits out s6's one-second throttle with no
  // pid: it is up, its run is on its way (seed 2098355905, iteration 84: svc -r right after its start).
  const conv = await settle(async () => converged(graph, wanted, listed, await statuses(w)), 5000);
  if (conv) violations.push(`(d) ${conv}`);
  const runs = oneshotRuns(graph, w, w.events());
  if (runs) violations.push(`(d) ${runs}`);
  const strays = await settle(async () => noStrayProcesses(await statuses(w), w.serviceProcesses(), await statuses(w)), 8000);
  if (strays) violations.push(`(b) ${strays}`);
  const after = await w.run('replay', '--verify');
  if (after.code !== 0) violations.push(`(c) replay --verify after the change exited ${after.code}: ${after.stderr.trim()}`);
  const events = w.events();
  const gaps = logKept([], events);
  if (gaps) violations.push(gaps);
  const open = w.openChanges();
  if (open.length) violations.push(`changes left open after the change converged: ${open.join(', ')}`);
  const down = await w.run('shutdown');
  if (down.code !== 0) violations.push(`shutdown exited ${down.code}: ${down.stderr.trim()}`);
  if (Object.entries(graph).some(([name, d]) => d.kind === 'oneshot' && w.runs(name).length > 1)) covered.push('a oneshot ran more than once');
  return { violations, trace, covered };
}

function describe(op: Op): string {
  if (op.kind === 'svc') return `svc ${op.flag} ${op.target}`;
  if (op.kind === 'update') return `update (bump ${op.bump.join(',') || 'none'}${op.add ? `, add a ${op.add.kind}` : ''})`;
  return `change ${op.kind === 'up' ? '-u' : '-d'} ${op.targets.join(' ')}`;
}

/** Starts `op` in the background. An update compiles its new graph first. */
function startOp(w: CrashLive, op: Op, graph: Graph, record: (d: { compiled: string; graph: Graph }) => void): { running: Running; nextGraph?: { compiled: string; graph: Graph } } {
  if (op.kind === 'svc') return { running: w.start(['svc', '--livedir', w.live, op.flag, op.target]) };
  if (op.kind !== 'update') return { running: w.rc('-b', op.kind === 'up' ? '-u' : '-d', 'change', ...op.targets) };
  const next = updatedGraph(graph, op);
  const compiled = w.compile(next);
  const nextGraph = { compiled, graph: next };
  record(nextGraph);
  return { running: w.start(['update', '-b', '-l', w.live, compiled]), nextGraph };
}

function currentDatabaseIs(w: CrashLive, compiled: string): boolean {
  try {
    return readFileSync(join(w.live, 'compiled')).equals(readFileSync(compiled));
  } catch {
    return false;
  }
}

/** SIGSTOP the supervisor, SIGKILL a longrun's run it supervises, SIGCONT: returns what was killed (null if nothing ran). */
async function stopAndKill(w: CrashLive, trace: string[], op: Op): Promise<StoppedDeath | null> {
  const now = await statuses(w).catch(() => new Map());
  const pid = w.supervisorPid()!;
  process.kill(pid, 'SIGSTOP');
  try {
    const victims = [...now.values()].filter((st) => st.type === 'longrun' && st.pid !== null && isAlive(st.pid));
    const victim = victims[0];
    if (!victim) {
      trace.push(`${describe(op)}: SIGSTOP supervisor, no run to kill`);
      return null;
    }
    process.kill(victim.pid, 'SIGKILL');
    await sleep(200);
    trace.push(`${describe(op)}: SIGSTOP supervisor, SIGKILL ${victim.name}'s run ${victim.pid}, SIGCONT`);
    return { service: victim.name, pid: victim.pid };
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
