/**
 * The supervisor's own socket operations (docs/protocol.md): ping, info,
 * status, subscribe, up, down, restart, once, exit, signal, reload, shutdown,
 * pruned.
 */
import { constants } from 'node:os';
import type { BuiltinOp, OpHandlers, Reply, SupervisorApi } from '../api.js';
import type { Longrun } from '../../../machines/model.js';
import type { Op, ProgressOf, Results } from '../../../protocol/types.js';
import type { ServiceHandle } from '../../service/types.js';
import { statusView } from '../statusView.js';
import { resolveNames, UnknownName } from './resolveNames.js';

export interface SupervisorInternals extends SupervisorApi {
  readonly started: number;
  readonly storePath: string;
  /** The last seq the event store handed out (`status`: what the answer corresponds to in the log). */
  readonly appendedSeq: number;
  /** The event store's writing health (`info`). */
  readonly storeHealth: Results['info']['eventStore'];
  readonly liveNow: ReadonlySet<string>;
  readonly openRequests: ReadonlyMap<string, number>;
  /** Brings everything down and exits; resolves when the services are down. */
  shutdown(reason: string, timeout: number | undefined, progress?: (m: ProgressOf<'shutdown'>) => void): Promise<Results['shutdown']>;
}

/** Runs `body` with the request's `services` resolved; an unknown name fails the request with exit 3. */
function withNames<O extends Op>(services: unknown, reply: Reply<O>, sup: SupervisorApi, body: (names: string[]) => void, allIfEmpty = true): void {
  let names: string[];
  try {
    names = resolveNames(sup, services, { allIfEmpty });
  } catch (err) {
    if (err instanceof UnknownName) return reply.fail(3, err.message);
    throw err;
  }
  body(names);
}

const longrunsOnly = <O extends Op>(sup: SupervisorApi, names: string[], reply: Reply<O>): boolean => {
  const bad = names.find((n) => sup.model.services.get(n)?.type !== 'longrun');
  if (bad) reply.fail(5, `service ${bad} is not a longrun`);
  return !bad;
};

/** Services started per event-loop turn: each start is a fork, and 10,000 of them must not freeze the socket. */
const BATCH = 64;

/** Runs `each` over `names`, yielding to the event loop between batches. */
async function inBatches(names: string[], each: (name: string) => void): Promise<void> {
  for (let i = 0; i < names.length; i += BATCH) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const n of names.slice(i, i + BATCH)) each(n);
  }
}

/**
 * Reloads one service that is up: resolves null once done (a longrun as soon as its signal is sent;
 * a oneshot when its reload script exits zero), else why it failed.
 */
function reloadService(handle: ServiceHandle, changeId: number): Promise<string | null> {
  if (handle.status().type !== 'oneshot') {
    handle.reload(changeId);
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    let sent = false;
    let started = false;
    // The first status (replayed at once) is from before the reload: only later ones count.
    const sub = handle.status$.subscribe((st) => {
      if (!sent) return;
      if (st.pid !== null) started = true;
      else if (started || st.error) {
        queueMicrotask(() => sub.unsubscribe());
        resolve(st.error);
      }
    });
    sent = true;
    handle.reload(changeId);
  });
}

export function builtinOps(sup: SupervisorInternals): Pick<OpHandlers, BuiltinOp> {
  return {
    ping: (_req, reply) => reply.end({ pong: true, pid: process.pid, boot: sup.boot }),

    pruned: (req, reply) => {
      const fields = ['before', 'cut', 'events', 'checkpoints', 'changes'] as const;
      const bad = fields.find((k) => !Number.isSafeInteger(req[k]) || (req[k] as number) < 0);
      if (bad) return reply.fail(100, `pruned: field ${bad} must be a non-negative integer, got ${JSON.stringify(req[bad])}`);
      const [before, cut, events, checkpoints, changes] = fields.map((k) => req[k] as number);
      sup.log.append({ type: 'log.pruned', payload: { before, cut, events, checkpoints, changes } });
      sup.log.flush();
      reply.end({ recorded: true });
    },

    info: (_req, reply) =>
      reply.end({
        pid: process.pid,
        live: sup.live,
        store: sup.storePath,
        boot: sup.boot,
        started: sup.started,
        services: sup.services.size,
        rss: process.memoryUsage.rss(),
        eventStore: sup.storeHealth,
        openRequests: Object.fromEntries(sup.openRequests),
      }),

    status: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        reply.end({ services: names.map((n) => statusView(sup.services.get(n)!.status(), sup.liveNow)), seq: sup.appendedSeq });
      }),

    up: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        void inBatches(names, (n) => sup.services.get(n)!.up(null)).then(() => reply.end({ services: names }));
      }, false),

    down: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        void inBatches(names, (n) => sup.services.get(n)!.down(null)).then(() => reply.end({ services: names }));
      }, false),

    /**
     * To a longrun's run (`group`: its process group, s6-svc -P/-C/-K), or to the process group of a
     * oneshot's running script (a stuck `up` can be killed). `reloadSignal` instead of `signal`: each
     * longrun's own reload-signal (s6-svc -l).
     */
    signal: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        if (req.reloadSignal === true) {
          if (!longrunsOnly(sup, names, reply)) return;
          for (const n of names) sup.services.get(n)!.signal((sup.model.services.get(n) as Longrun).reloadSignal as NodeJS.Signals);
          return reply.end({ services: names });
        }
        const signal = String(req.signal ?? '');
        if (!(signal in constants.signals)) return reply.fail(100, `unknown signal: ${signal}`);
        const group = req.group === true;
        if (group && !longrunsOnly(sup, names, reply)) return;
        const idle = names.find((n) => sup.model.services.get(n)?.type === 'oneshot' && sup.services.get(n)!.status().pid === null);
        if (idle) return reply.fail(5, `service ${idle} is a oneshot with no script running`);
        for (const n of names) sup.services.get(n)!.signal(signal as NodeJS.Signals, group);
        reply.end({ services: names, signal });
      }, false),

    /** s6-svc -r: send the down-signal and let the supervisor respawn it (want stays up). */
    restart: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        if (!longrunsOnly(sup, names, reply)) return;
        for (const n of names) {
          const s = sup.model.services.get(n) as { downSignal?: string };
          sup.services.get(n)!.signal((s.downSignal ?? 'SIGTERM') as NodeJS.Signals);
        }
        reply.end({ services: names });
      }, false),

    /**
     * s6-rc 0.7 `reload` `{ services, argv, user, verbosity, timeout }`: the services, which must all be
     * up, get a reload, with no dependency engine: a longrun its reload-signal, a oneshot its `reload`
     * script, awaited. One change in the event log; progress `{ changeId }`, `{ err }`; then `{ exitCode }`.
     */
    reload: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        const down = names.find((n) => !sup.liveNow.has(n));
        if (down) return reply.fail(1, `service ${down} is not up`);
        const argv = Array.isArray(req.argv) && req.argv.length ? req.argv.map(String) : ['s6rc', 'reload', ...names];
        const changeId = sup.log.startChange(argv, typeof req.user === 'string' ? req.user : 'request');
        reply.progress({ changeId });
        const verbosity = typeof req.verbosity === 'number' ? req.verbosity : 1;
        const timeout = typeof req.timeout === 'number' && req.timeout > 0 ? req.timeout : 0;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => timeout && (timer = setTimeout(() => resolve('timeout'), timeout)));
        const outcomes = names.map(async (n) => {
          const error = await reloadService(sup.services.get(n)!, changeId);
          if (error) reply.progress({ err: `s6rc: warning: unable to reload service ${n}: ${error}\n` });
          else if (verbosity >= 2) reply.progress({ err: `s6rc: info: service ${n} successfully reloaded\n` });
          return error === null;
        });
        void Promise.race([Promise.all(outcomes), timedOut]).then((done) => {
          clearTimeout(timer);
          const ok = done === 'timeout' ? 0 : done.filter(Boolean).length;
          const exitCode = done === 'timeout' ? 2 : ok === names.length ? 0 : 1;
          if (done === 'timeout') reply.progress({ err: `s6rc: fatal: timed out\n` });
          sup.log.endChange(changeId, exitCode, ok, names.length - ok);
          sup.log.flush();
          reply.end({ services: names, exitCode });
        });
      }, false),

    /** s6-svc -o: up once, not restarted when it dies. */
    once: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        if (!longrunsOnly(sup, names, reply)) return;
        for (const n of names) {
          const h = sup.services.get(n)! as { once?: (changeId?: number | null) => void };
          if (typeof h.once !== 'function') return reply.fail(111, 'this supervisor cannot run a service once');
          h.once(null);
        }
        reply.end({ services: names });
      }, false),

    /** s6-svc -x: we supervise every service in one process, so this is `down` (documented in docs/protocol.md). */
    exit: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        if (!longrunsOnly(sup, names, reply)) return;
        for (const n of names) sup.services.get(n)!.down(null);
        reply.end({ services: names, note: 'down: the supervisor keeps supervising every service' });
      }, false),

    subscribe: (req, reply) =>
      withNames(req.services, reply, sup, (names) => {
        // status$ replays the current status first, so the client sees the
        // present state and then every change, with no gap between them.
        const subs = names.map((n) =>
          sup.services.get(n)!.status$.subscribe((st) => reply.progress({ status: statusView(st, sup.liveNow) })),
        );
        reply.onClose(() => subs.forEach((s) => s.unsubscribe()));
      }),

    shutdown: async (req, reply) => {
      const timeout = typeof req.timeout === 'number' && req.timeout > 0 ? req.timeout : undefined;
      // Who asked is recorded as the shutdown change's user, as for any change.
      const who = typeof req.user === 'string' && req.user ? req.user : 'request';
      reply.end(await sup.shutdown(who, timeout, (m) => reply.progress(m)));
    },
  };
}
