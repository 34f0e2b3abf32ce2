/**
 * The supervisor: one process per live directory hosting one independent
 * service actor per atomic service, the event log and the control socket.
 */
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PayloadOf } from '../../machines/events.js';
import type { Atomic, CompiledModel, Longrun } from '../../machines/model.js';
import type { Op, ProgressOf, Results } from '../../protocol/types.js';
import type { DatabaseRef, EventStore } from '../../store/events/types.js';
import type { ServiceEventRecord, ServiceHandle, ServiceState } from '../service/types.js';
import type { ChangeEngine, EventLog, OpHandlers, SupervisorApi } from './api.js';
import { startControlServer, type ControlServer } from './controlServer.js';
import { createEventLog } from './eventLog.js';
import { crashPoint } from './crashPoint.js';
import { installDatabase, keepDatabase } from './databases.js';
import { pipelinesChanged, sameDefinition, switchMembers } from '../../machines/plan/update.js';
import { livePaths } from './liveDir.js';
import { directoriesSwitchedTo, materialiseServiceDirs, switchServiceDirs } from './materialise.js';
import { findServiceProcesses, serviceEnvironment, type FoundProcess } from './orphans.js';
import { isSameProcess } from '../service/procStartTime.js';
import { signalGroup } from '../service/signals.js';
import { AdoptedProcesses } from '../service/adoption.js';
import { ScriptFiles } from '../service/scriptFile.js';
import { builtinOps, type SupervisorInternals } from './ops/builtinOps.js';
import { bringAllDown, type DownAllResult } from './shutdown.js';
import { KillpgLeftovers } from './killpgLeftovers.js';
import type { Reaper } from './reaper.js';
import type { ServiceFactory } from './serviceFactory.js';
import type { PipelineFds } from './pipelines.js';

export interface SupervisorOptions {
  live: string;
  model: CompiledModel;
  store: EventStore;
  storePath: string;
  /** Path of the compiled database, recorded with a new boot. */
  compiled: string;
  /** `new`: a fresh boot, every service down. `auto`: recover the previous supervisor's actors if the store has them. */
  boot: 'new' | 'auto';
  createService: ServiceFactory;
  /** Opens the pipeline pipes (actors/service's helper); none when the model has no pipelines. */
  openPipelines?: (model: CompiledModel, reuse: boolean) => PipelineFds;
  /** Called when the supervisor has exited its services and is about to leave (default: process.exit). */
  exit?: (code: number) => void;
  /**
   * The change engine it hosts (actors/orchestrator/), made for this supervisor:
   * its socket ops are added to the supervisor's own, and a shutdown runs its
   * recorded `-Da change` first. Without one, the supervisor still supervises.
   */
  changeEngine?: (supervisor: SupervisorApi) => ChangeEngine;
  /** How many actors to create per event-loop turn (keeps the loop responsive with 10,000 services). */
  batchSize?: number;
  /**
   * The orphans re-parented to this process (it is a child subreaper; see
   * reaper.ts): stopped after the services at shutdown, killed by a forced
   * exit, and a killpg longrun's leftovers ended when it stops. None: they
   * are left alone.
   */
  reaper?: Pick<Reaper, 'stopStrays' | 'killStrays' | 'endGroup'>;
}

const RUNNING: ReadonlySet<ServiceState> = new Set(['starting', 'up-unready', 'ready']);

/** What `supervisor.recovered` reports: adopted, restarted, left down, left with an unknown outcome, and unrecorded processes stopped. */
type Recovery = Omit<PayloadOf<'supervisor.recovered'>, 'pid' | 'lastSeqBefore'>;

/** At most this long, after a shutdown, for the replies to reach clients that stopped reading before the supervisor exits. */
const EXIT_FLUSH_MAX_MS = 1000;

/** After a shutdown's deadline killed what remained: how long to wait for their exits to be recorded. */
const KILLED_EXIT_GRACE_MS = 500;
/** Grace between SIGTERM and SIGKILL for an unrecorded duplicate found at recovery. */
const STRAY_KILL_GRACE_MS = 2000;
/** At shutdown, once the services are down: how long what they left behind gets between SIGTERM and SIGKILL. */
const ORPHAN_GRACE_MS = 1000;

export class Supervisor implements SupervisorInternals {
  readonly live: string;
  /** The compiled database it runs under (`update` switches it). */
  model: CompiledModel;
  readonly services = new Map<string, ServiceHandle>();
  readonly log: EventLog;
  readonly started = Date.now();
  readonly storePath: string;
  boot = 0;
  /** When this boot started: the `updownSince` of actors no event has touched yet (replay assumes the same). */
  private bootStart = 0;
  private readonly liveSet: Set<string>;
  /** Each operation's handler, by name (a Map: a request's `op` must not find `toString`). */
  private readonly ops = new Map<string, OpHandlers[Op]>();
  private server: ControlServer | null = null;
  private stopping: Promise<Results['shutdown']> | null = null;
  private pipelineFds: PipelineFds | null = null;
  /** Oneshots' `#!` scripts under `<live>/scripts` (made at start), and the watcher of processes adopted after a crash. */
  private scripts: ScriptFiles | null = null;
  private readonly adopted = new AdoptedProcesses();
  private readonly engine: ChangeEngine | null;
  private readonly leftovers: KillpgLeftovers | null;

  constructor(private readonly options: SupervisorOptions) {
    this.live = options.live;
    this.model = options.model;
    this.leftovers = options.reaper
      ? new KillpgLeftovers(options.reaper, (name) => {
          const s = this.model.services.get(name);
          return s?.type === 'longrun' ? s : undefined;
        })
      : null;
    this.storePath = options.storePath;
    this.liveSet = options.store.liveSet();
    this.log = createEventLog(options.store, this.liveSet);
    this.engine = options.changeEngine?.(this) ?? null;
    for (const [name, handler] of Object.entries({ ...builtinOps(this), ...this.engine?.ops() })) this.ops.set(name, handler);
  }

  /** True once a shutdown started (by a request or a signal). */
  get shuttingDown(): boolean {
    return this.stopping !== null;
  }

  get appendedSeq(): number {
    return this.options.store.appendedSeq;
  }

  /** The event store's writing health (what `info` reports). */
  get storeHealth(): { pending: number; failedCommits: number; dropped: number } {
    const s = this.options.store;
    return { pending: s.pending, failedCommits: s.failedCommits, dropped: s.dropped };
  }

  /** Requests open on the control socket, by operation (what `info` reports). */
  get openRequests(): ReadonlyMap<string, number> {
    return this.server?.openRequests ?? new Map();
  }

  get liveNow(): ReadonlySet<string> {
    return this.liveSet;
  }

  /**
   * Switches to another compiled database (`update`), once what must stop
   * under the old one has stopped. The commit of the switch in the event log
   * is the moment it takes effect (a supervisor killed after it recovers on
   * the new database); then `<live>/compiled` is replaced, and the actors
   * follow: kept services run on with their new definition (and name),
   * services gone are dropped, new ones are created down.
   */
  switchDatabase(next: CompiledModel, database: DatabaseRef, conversions: ReadonlyMap<string, string>, changeId: number | null): void {
    const { store } = this.options;
    const previous = this.model;
    // An actor goes on under the new database when its service keeps its type (renamed or not);
    // the others are dropped and, if the name is still there, made afresh.
    const renames = new Map<string, string>();
    const kept = new Map<string, string>(); // new name → old name
    const removed: string[] = [];
    for (const name of previous.atomics) {
      const target = conversions.get(name) ?? name;
      const after = next.services.get(target);
      if (after && after.type === previous.services.get(name)!.type) {
        kept.set(target, name);
        if (target !== name) renames.set(name, target);
      } else removed.push(name);
    }
    store.switchDatabase(database, { renames: [...renames], removed }, changeId);
    crashPoint('update.committed');
    installDatabase(this.live, database);
    crashPoint('update.installed');
    const paths = livePaths(this.live);
    const holds = new Map<string, Longrun>(); // what each kept longrun's directory holds now
    for (const [target, name] of kept) {
      const s = previous.services.get(name);
      if (s?.type === 'longrun') holds.set(target, s);
    }
    switchServiceDirs(paths.servicedirs, next, { database: store.currentDatabase()!.id, renames, removed }, holds);
    this.model = next;
    // A pipeline that changed had its members restarted (planUpdate): they get the new pipes.
    const pipelinesMoved = pipelinesChanged(previous, next, (m) => renames.get(m) ?? m);
    if (pipelinesMoved) {
      this.pipelineFds?.close();
      this.pipelineFds = next.pipelines.length && this.options.openPipelines ? this.options.openPipelines(next, true) : null;
    }
    const handles = new Map(this.services);
    this.services.clear();
    for (const name of removed) handles.get(name)?.dispose();
    switchMembers(this.liveSet, renames, removed);
    for (const name of next.atomics) {
      const before = kept.get(name);
      if (before === undefined) {
        this.createActor(name);
        continue;
      }
      const handle = handles.get(before)!;
      this.services.set(name, handle);
      const service = next.services.get(name) as Atomic;
      if (before === name && !pipelinesMoved && sameDefinition(service, previous.services.get(name) as Atomic)) continue;
      const dir = service.type === 'longrun' ? join(paths.servicedirs, name) : undefined;
      handle.redefine(service, { serviceDir: dir, env: serviceEnvironment(this.live, name, service.type), ...(pipelinesMoved ? { pipes: this.pipelineFds?.get(name) ?? {} } : {}) });
    }
  }

  /** Builds the actors (recovering them if asked and possible), then opens the socket. */
  async start(): Promise<void> {
    const { store, model } = this.options;
    const paths = livePaths(this.live);
    const previous = store.actorStates();
    // Only one supervisor writes this log: a change still open belongs to one that died.
    store.closeInterruptedChanges('supervisor died');
    // Recover when a previous supervisor of this boot left a trace; otherwise start a new boot.
    const recovering = this.options.boot === 'auto' && store.resumeBoot() > 0 && (previous.size > 0 || this.liveSet.size > 0 || existsSync(paths.servicedirs));
    if (!recovering) {
      this.bootStart = Date.now();
      this.boot = store.startBoot(this.live, this.options.compiled, this.bootStart, keepDatabase(this.live, paths.compiled));
      // A new boot starts with every service down: clear what an older boot left in the live state.
      for (const name of [...this.liveSet]) this.log.setLive(name, false, null);
    } else {
      this.boot = store.boot;
      this.bootStart = store.bootStarts().get(this.boot) ?? Date.now();
    }
    if (recovering) {
      // A supervisor killed after committing an update's switch, before the service directories
      // were all moved (their mark says), leaves that to this one.
      const last = store.history({ type: 'update.switched', limit: 1 })[0];
      const change = last?.boot === this.boot ? (last.payload as unknown as PayloadOf<'update.switched'>) : null;
      if (change && directoriesSwitchedTo(paths.servicedirs) !== change.database) {
        switchServiceDirs(paths.servicedirs, model, { database: change.database, renames: new Map(change.renames.map(({ from, to }) => [from, to])), removed: change.removed });
      }
    }
    materialiseServiceDirs(paths.servicedirs, model, !recovering);
    this.scripts = new ScriptFiles(paths.scripts);
    writeFileSync(paths.pid, `${process.pid}\n`);
    this.pipelineFds = model.pipelines.length && this.options.openPipelines ? this.options.openPipelines(model, recovering) : null;

    const found: Recovery = { adopted: [], restarted: [], down: [], unknown: [], stopped: [] };
    // What the previous supervisor's services still run, recorded or not (found by their markers).
    const running = recovering ? findServiceProcesses(this.live) : new Map<string, FoundProcess[]>();
    const committedBefore = store.lastSeq();
    const batch = this.options.batchSize ?? 200;
    for (let i = 0; i < model.atomics.length; i += batch) {
      for (const name of model.atomics.slice(i, i + batch)) {
        const restore = recovering ? previous.get(name) : undefined;
        if (!restore) {
          this.createActor(name);
          for (const stray of running.get(name) ?? []) this.stopStray(name, stray, found);
          continue;
        }
        const state = restore.state as ServiceState;
        const adopt = this.adoptionFor(name, state, restore.context, running.get(name) ?? [], found);
        const handle = this.createActor(name, { state, context: restore.context }, adopt);
        const now = handle.status();
        const type = this.model.services.get(name)!.type;
        if (type === 'oneshot' && now.state === 'failed' && state !== 'failed') found.unknown.push(name);
        else if (RUNNING.has(state) && now.pid) found.adopted.push(name);
        else if (RUNNING.has(state) && type === 'longrun') {
          // It was wanted up and is gone now: start it again, as s6-supervise would have.
          if (!RUNNING.has(now.state)) handle.up(null);
          found.restarted.push(name);
        } else if (now.pid) found.adopted.push(name);
        else found.down.push(name);
      }
      if (i + batch < model.atomics.length) await new Promise((r) => setImmediate(r));
    }
    if (recovering) {
      this.log.append({ type: 'supervisor.recovered', payload: { pid: process.pid, ...found, lastSeqBefore: committedBefore } });
    }
    this.log.append({ type: 'supervisor.started', payload: { pid: process.pid, services: model.atomics.length, recovered: recovering } });
    store.flush();
    // Every reply commits the log first: a client that reads the store after it sees what its request did.
    this.server = await startControlServer(paths.control, (req, reply) => this.dispatch(req, reply), () => this.log.flush());
  }

  /**
   * Which process a recovering actor adopts: the recorded one if it still
   * runs, else (if the actor was on its way up, up, or stopping) the oldest
   * found by its markers: the previous supervisor may have died after a spawn
   * it never recorded. Every other process found for the service is a
   * duplicate nobody supervises: it is stopped, and the log says so.
   */
  private adoptionFor(name: string, state: ServiceState, context: unknown, candidates: FoundProcess[], found: Recovery): FoundProcess | undefined {
    const recorded = context as { pid?: number | null; startTime?: string | null };
    let adopt: FoundProcess | undefined;
    if (recorded.pid && isSameProcess(recorded.pid, recorded.startTime ?? null)) adopt = { pid: recorded.pid, startTime: recorded.startTime ?? null };
    else if (state !== 'down') adopt = candidates[0];
    for (const other of candidates) if (other.pid !== adopt?.pid) this.stopStray(name, other, found);
    return adopt;
  }

  /** Stops a process found for `name` that no actor supervises (down-signal to its group, SIGKILL after a grace). */
  private stopStray(name: string, stray: FoundProcess, found: Recovery): void {
    signalGroup(stray.pid, 'SIGTERM');
    signalGroup(stray.pid, 'SIGCONT');
    setTimeout(() => {
      if (isSameProcess(stray.pid, stray.startTime)) signalGroup(stray.pid, 'SIGKILL');
    }, STRAY_KILL_GRACE_MS).unref();
    found.stopped.push({ service: name, pid: stray.pid });
  }

  private createActor(name: string, restore?: { state: ServiceState; context: unknown }, adopt?: FoundProcess): ServiceHandle {
    const service = this.model.services.get(name)!;
    if (service.type === 'bundle') throw new Error(`${name} is a bundle`);
    const dir = service.type === 'longrun' ? join(livePaths(this.live).servicedirs, name) : this.live;
    const fds = this.pipelineFds?.get(name);
    const handle = this.options.createService({
      service,
      dir,
      sink: (records) => this.record(records),
      restore,
      adopt,
      since: this.bootStart,
      env: serviceEnvironment(this.live, name, service.type),
      whenRecorded: (spawn) => this.options.store.whenCommitted(spawn),
      stdin: fds?.stdin,
      stdout: fds?.stdout,
      scripts: this.scripts ?? undefined,
      adopted: this.adopted,
    });
    this.services.set(name, handle);
    return handle;
  }

  /** Every service actor event becomes one `events` row and the actor's projection, in the same commit. */
  private record(records: ServiceEventRecord[]): void {
    if (this.leftovers) for (const rec of records) this.leftovers.observe(rec);
    this.options.store.append(
      records.map((rec) => ({
        type: rec.type,
        time: rec.time,
        service: rec.service,
        changeId: rec.changeId,
        from: rec.from,
        to: rec.to,
        payload: rec.payload,
        actorState: { state: rec.to, context: rec.context },
      })),
    );
  }

  private dispatch(req: Record<string, unknown>, reply: import('./reply.js').SocketReply): void {
    const op = typeof req.op === 'string' ? this.ops.get(req.op) : undefined;
    if (!op) return reply.fail(100, `unknown operation: ${String(req.op)}`);
    if (this.stopping && req.op !== 'ping' && req.op !== 'status' && req.op !== 'info' && req.op !== 'subscribe' && req.op !== 'shutdown') {
      return reply.fail(111, 'the supervisor is shutting down');
    }
    Promise.resolve()
      // A client disconnected meanwhile (a flood cut off by the server's bounds) costs no more work.
      .then(() => (reply.closed ? undefined : op(req, reply, this)))
      .catch((err) => reply.fail(111, `${String(req.op)}: ${(err as Error)?.message ?? err}`));
  }

  /**
   * Stops supervising: every service down in reverse dependency order, the
   * log committed, socket and pid removed, then the process exits (0).
   * With a `timeout`, whatever still runs at the deadline is killed with its
   * process group, and the supervisor exits right after. A second call joins the first.
   */
  shutdown(reason: string, timeout: number | undefined, progress?: (m: ProgressOf<'shutdown'>) => void): Promise<Results['shutdown']> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      const deadline = timeout ? Date.now() + timeout : 0;
      const left = () => (deadline ? Math.max(1, deadline - Date.now()) : undefined);
      this.log.append({ type: 'supervisor.stopping', payload: { reason, timeout: timeout ?? null } });
      let changeId: number | null = null;
      const stopAll = async () => {
        if (this.engine) {
          // The orchestrated -Da change: takes over from a running change, records itself and the live state.
          await this.engine.downAll({ timeout: left(), argv: ['shutdown'], user: reason, onText: (text) => progress?.({ text }) }).catch((err) =>
            this.log.append({ type: 'supervisor.shutdown.error', payload: { error: String((err as Error)?.message ?? err) } }),
          );
        } else {
          changeId = this.log.startChange(['shutdown'], reason);
        }
        // Then everything still running, whether in the live state or started by hand (svc -u).
        return bringAllDown(this, { changeId, progress });
      };
      let result: DownAllResult;
      if (!deadline) result = await stopAll();
      else {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<null>((r) => (timer = setTimeout(() => r(null), left())));
        const stopped = stopAll();
        result = (await Promise.race([stopped, expired])) ?? (await this.killRemaining(stopped));
        clearTimeout(timer);
      }
      if (changeId !== null) this.log.endChange(changeId, result.timedOut ? 2 : 0, result.stopped.length, result.killed.length);
      // What the services forked and left running, re-parented to us: it goes too, within the deadline.
      const orphans = (await this.options.reaper?.stopStrays(Math.min(ORPHAN_GRACE_MS, left() ?? ORPHAN_GRACE_MS))) ?? [];
      this.log.append({ type: 'supervisor.stopped', payload: { reason, ...result, ...(orphans.length ? { orphans } : {}) } });
      this.log.flush();
      // Once the replies (this request's among them) have left: the client learns of the exit by its connection closing.
      void (this.server?.flushed(EXIT_FLUSH_MAX_MS) ?? Promise.resolve()).then(() => this.exit(0));
      return { stopped: result.stopped.length, killed: result.killed, timedOut: result.timedOut };
    })();
    return this.stopping;
  }

  /**
   * A shutdown's deadline: SIGKILL to the process group of everything still
   * running, then a short wait for their deaths to be recorded (bounded:
   * whatever has not reported by then does not hold the exit up).
   */
  private async killRemaining(stopping: Promise<DownAllResult>): Promise<DownAllResult> {
    const killed: string[] = [];
    for (const [name, handle] of this.services) {
      const st = handle.status();
      if (st.pid !== null || (st.state !== 'down' && st.state !== 'failed')) {
        handle.terminate();
        killed.push(name);
      }
    }
    this.log.append({ type: 'supervisor.shutdown.timeout', payload: { killed } });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<null>((r) => (timer = setTimeout(() => r(null), KILLED_EXIT_GRACE_MS)));
    const settled = await Promise.race([stopping, grace]);
    clearTimeout(timer);
    return { stopped: settled?.stopped ?? [], killed, timedOut: true };
  }

  /** Leaves at once: used after shutdown, and for a forced exit on a second signal. */
  exit(code: number): void {
    // Nothing the supervisor started outlives it: what still runs is killed with its process group,
    // and what services left behind, re-parented to us, by pid.
    for (const h of this.services.values()) h.terminate();
    this.options.reaper?.killStrays();
    for (const h of this.services.values()) h.dispose();
    this.pipelineFds?.close();
    const paths = livePaths(this.live);
    this.server?.close();
    for (const p of [paths.control, paths.pid]) {
      try {
        unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
    this.options.store.close();
    (this.options.exit ?? process.exit)(code);
  }
}
