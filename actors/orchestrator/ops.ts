/**
 * The orchestrator's socket operations (docs/protocol.md, "change engine"):
 *
 * - `change` `{ names, direction: 'up'|'down'|'DOWN', all, prune, verbosity, dryRun: ms|null, timeout, block, argv, user }`
 *   → progress `{ changeId }`, `{ out, err }` (text for the client's stdout/stderr), then `{ exitCode, ... }`;
 *   fails with 3 (unknown name) before anything changes, 111 when the lock is held and `block` is false.
 * - `change-cancel` `{ changeId, why }` → stops scheduling that change (the client got SIGINT/SIGTERM).
 * - `list` / `listall` `{ names, all, down }` → `{ services }`; never wait for the lock.
 * - `diff` → `{ lines: ['+name', '-name'] }`.
 * - `reconcile` → `{ corrections: [{ service, recordedUp, actualUp, state }] }`.
 */
import { listClosedSelection, listSelection } from '../../machines/plan/list.js';
import { resolveSelection, UnknownServiceError } from '../../machines/plan/resolve.js';
import type { Direction } from '../../machines/plan/types.js';
import type { OpHandler, Reply, SupervisorApi } from '../supervisor/api.js';
import { changeLockOf } from './changeLock.js';
import { currentDiscrepancies, diffLines, reconcileLive } from './reconcile.js';
import { runChange, type ChangeOptions, type RunningChange } from './runChange.js';
import { replySink } from './sink.js';

const EXIT_TIMED_OUT = 2;
const EXIT_UNKNOWN_NAME = 3;
const EXIT_INVALID_STATE = 4;
const EXIT_USAGE = 100;
const EXIT_SYSTEM = 111;

/** The changes running per supervisor, by change id, for `change-cancel`. */
const running = new WeakMap<SupervisorApi, Map<number, RunningChange>>();

/** Registers `change`, `change-cancel`, `list`, `listall`, `diff` and `reconcile` on the supervisor's socket. */
export function registerOrchestrator(supervisor: SupervisorApi): void {
  for (const [name, handler] of Object.entries(orchestratorOps())) supervisor.registerOp(name, guarded(handler));
}

export function orchestratorOps(): Record<string, OpHandler> {
  return {
    change: (req, reply, sup) => startChange(sup, parseChange(req), req.block === true, reply),

    'change-cancel': (req, reply, sup) => {
      const change = running.get(sup)?.get(Number(req.changeId));
      change?.cancel(String(req.why ?? 'cancelled'));
      reply.end({ cancelled: !!change });
    },

    list: (req, reply, sup) => reply.end({ services: listSelection(sup.model, sup.log.liveSet(), parseList(req)) }),

    listall: (req, reply, sup) => reply.end({ services: listClosedSelection(sup.model, sup.log.liveSet(), parseList(req)) }),

    diff: (_req, reply, sup) => reply.end({ lines: diffLines(currentDiscrepancies(sup)) }),

    reconcile: async (_req, reply, sup) => {
      const lock = changeLockOf(sup);
      const acquired = lock.acquire({ what: 'a reconcile' }, false);
      if (!acquired) return reply.fail(EXIT_SYSTEM, lockedMessage(sup));
      const release = await acquired;
      try {
        // No need to wait for transitions in flight: their services are between states, which reconciliation leaves alone.
        const corrections = reconcileLive(sup, null);
        sup.log.flush();
        reply.end({ corrections });
      } finally {
        release();
      }
    },
  };
}

async function startChange(sup: SupervisorApi, options: ChangeOptions, block: boolean, reply: Reply): Promise<void> {
  // Unknown names end the request before anything changes (exit 3).
  resolveSelection(sup.model, options.names);
  const lock = changeLockOf(sup);
  let dropWaiter: (() => void) | undefined;
  const acquired = lock.acquire({ what: describe(options) }, block, (cancel) => (dropWaiter = cancel));
  if (!acquired) return reply.fail(EXIT_SYSTEM, lockedMessage(sup));
  reply.onClose(() => dropWaiter?.());
  // -t bounds the whole change, the wait for the lock included.
  const deadline = options.timeout > 0 ? Date.now() + options.timeout : 0;
  let lockTimer: NodeJS.Timeout | undefined;
  if (deadline && dropWaiter) {
    const holder = lockedMessage(sup);
    lockTimer = setTimeout(() => {
      dropWaiter!();
      reply.fail(EXIT_TIMED_OUT, `timed out after ${options.timeout} ms waiting for the lock: ${holder.replace(/ \(use -b.*$/, '')}`);
    }, options.timeout);
  }
  const release = await acquired;
  clearTimeout(lockTimer);
  if (reply.closed) return release();
  if (deadline) options.timeout = Math.max(1, deadline - Date.now());
  const change = runChange(sup, lock, options, replySink(reply), release);
  if (change.changeId === null) return;
  let byId = running.get(sup);
  if (!byId) running.set(sup, (byId = new Map()));
  byId.set(change.changeId, change);
  void change.ended.finally(() => byId!.delete(change.changeId!));
}

function lockedMessage(sup: SupervisorApi): string {
  const holder = changeLockOf(sup).heldBy;
  return `live directory ${sup.live} is in use by ${holder?.what ?? 'another change'} (use -b to wait for it)`;
}

function describe(o: ChangeOptions): string {
  // Clients send their command line with the program name first (cli/invocation.ts); older ones without it.
  return `a change (${(o.argv[0] === 's6rc' ? o.argv : ['s6rc', ...o.argv]).join(' ')})`;
}

function parseChange(req: Record<string, unknown>): ChangeOptions {
  const direction = req.direction === 'down' || req.direction === 'DOWN' ? (req.direction as Direction) : 'up';
  return {
    names: strings(req.names),
    direction,
    all: req.all === true,
    prune: req.prune === true,
    verbosity: typeof req.verbosity === 'number' ? req.verbosity : 1,
    dryRun: typeof req.dryRun === 'number' ? req.dryRun : null,
    timeout: typeof req.timeout === 'number' ? req.timeout : 0,
    argv: strings(req.argv),
    user: typeof req.user === 'string' ? req.user : 'unknown',
  };
}

function parseList(req: Record<string, unknown>) {
  return { names: strings(req.names), all: req.all === true, down: req.down === true };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Maps errors to exit codes: unknown names 3, a damaged store 4, anything else 111. */
function guarded(handler: OpHandler): OpHandler {
  return async (req, reply, sup) => {
    try {
      await handler(req, reply, sup);
    } catch (err) {
      if (reply.closed) return;
      if (err instanceof UnknownServiceError) return reply.fail(EXIT_UNKNOWN_NAME, err.message);
      const e = err as { code?: string; message?: string };
      if (typeof e?.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) return reply.fail(EXIT_INVALID_STATE, `invalid live state: ${e.message}`);
      if (err instanceof TypeError && /request/.test(String(e.message))) return reply.fail(EXIT_USAGE, String(e.message));
      reply.fail(EXIT_SYSTEM, `internal error: ${e?.message ?? String(err)}`);
    }
  };
}
