/**
 * The orchestrator's socket operations (docs/protocol.md, "The change engine's
 * operations"; their types: protocol/types.ts):
 *
 * - `change` `{ names, direction: 'up'|'down'|'DOWN', all, prune, verbosity, dryRun: ms|null, timeout, block, argv, user, events }`
 *   → progress `{ changeId }`, `{ out, err }` (text for the client's stdout/stderr), with `events` `{ planned }` and
 *   `{ transition }` too, then `{ exitCode, ... }`;
 *   fails with 3 (unknown name) before anything changes, 111 when the lock is held and `block` is false.
 * - `change-cancel` `{ changeId, why }` → stops scheduling that change (the client got SIGINT/SIGTERM).
 * - `list` / `listall` `{ names, all, down, hideEssentials }` → `{ services }`; never wait for the lock.
 * - `diff` → `{ lines: ['+name', '-name'], unknown: [{ service, error }] }` (unknown: oneshots whose outcome was lost with a dead supervisor).
 * - `reconcile` → `{ corrections: [{ service, recordedUp, actualUp, state }] }`.
 * - `update` `{ compiled, conversions: [[word...]...], dryRun, timeout, verbosity, forceEssentials, block, argv, user, events }`
 *   → progress `{ out, err }` (no id; with `events` `{ update }`, then its phases' `{ planned }` and `{ transition }`), then `{ exitCode, switched, ... }` (actors/orchestrator/update.ts); fails with
 *   3, 4, 5, 6 or 100 before anything changes, 111 when the lock is held and `block` is false.
 */
import { EXIT } from '../../machines/errors.js';
import { listClosedSelection, listSelection } from '../../machines/plan/list.js';
import { resolveSelection, UnknownServiceError } from '../../machines/plan/resolve.js';
import type { Direction } from '../../machines/plan/types.js';
import type { Op, Requests } from '../../protocol/types.js';
import type { EngineOp, OpHandler, OpHandlers, Reply, Unchecked } from '../supervisor/api.js';
import type { Orchestrator } from './orchestrator.js';
import { currentDiscrepancies, diffLines, reconcileLive, unknownOutcomes } from './reconcile.js';
import { runChange, type ChangeOptions } from './runChange.js';
import { replySink } from './sink.js';
import { runUpdate, type UpdateOptions } from './update.js';


/** `change`, `change-cancel`, `update`, `list`, `listall`, `diff` and `reconcile`, for the supervisor's socket. */
export function orchestratorOps(orchestrator: Orchestrator): Pick<OpHandlers, EngineOp> {
  return {
    change: guarded((req, reply) => startChange(orchestrator, parseChange(req), req.block === true, reply)),

    update: guarded(async (req, reply) => {
      const options = parseUpdate(req);
      const release = await takeLock(orchestrator, describe('an update', options.argv), req.block === true, options.timeout, reply);
      if (!release) return;
      await runUpdate(orchestrator, options, replySink(reply), release);
    }),

    'change-cancel': guarded((req, reply) => {
      const change = orchestrator.running.get(Number(req.changeId));
      change?.cancel(String(req.why ?? 'cancelled'));
      reply.end({ cancelled: !!change });
    }),

    list: guarded((req, reply, sup) => reply.end({ services: listSelection(sup.model, sup.log.liveSet(), parseList(req)) })),

    listall: guarded((req, reply, sup) => reply.end({ services: listClosedSelection(sup.model, sup.log.liveSet(), parseList(req)) })),

    diff: guarded((_req, reply, sup) => reply.end({ lines: diffLines(currentDiscrepancies(sup)), unknown: unknownOutcomes(sup) })),

    reconcile: guarded(async (_req, reply, sup) => {
      const acquired = orchestrator.lock.acquire({ what: 'a reconcile' }, false);
      if (!acquired) return reply.fail(EXIT.system, lockedMessage(orchestrator));
      const release = await acquired;
      try {
        // No need to wait for transitions in flight: their services are between states, which reconciliation leaves alone.
        const corrections = reconcileLive(sup, null);
        sup.log.flush();
        reply.end({ corrections });
      } finally {
        release();
      }
    }),
  };
}

/**
 * Takes the change lock for a request: at once, or with `block` once it is
 * free, within `timeout` ms (0: no limit; exit 2 after it). Returns null, the
 * request answered, when it cannot.
 */
async function takeLock<O extends Op>(orchestrator: Orchestrator, what: string, block: boolean, timeout: number, reply: Reply<O>): Promise<(() => void) | null> {
  let dropWaiter: (() => void) | undefined;
  const acquired = orchestrator.lock.acquire({ what }, block, (cancel) => (dropWaiter = cancel));
  if (!acquired) {
    reply.fail(EXIT.system, lockedMessage(orchestrator));
    return null;
  }
  reply.onClose(() => dropWaiter?.());
  let lockTimer: NodeJS.Timeout | undefined;
  if (timeout > 0 && dropWaiter) {
    const holder = lockedMessage(orchestrator);
    lockTimer = setTimeout(() => {
      dropWaiter!();
      reply.fail(EXIT.timedOut, `timed out after ${timeout} ms waiting for the lock: ${holder.replace(/ \(use -b.*$/, '')}`);
    }, timeout);
  }
  const release = await acquired;
  clearTimeout(lockTimer);
  if (reply.closed) {
    release();
    return null;
  }
  return release;
}

async function startChange(orchestrator: Orchestrator, options: ChangeOptions, block: boolean, reply: Reply<'change'>): Promise<void> {
  const sup = orchestrator.supervisor;
  // Unknown names end the request before anything changes (exit 3).
  resolveSelection(sup.model, options.names);
  // -t bounds the whole change, the wait for the lock included.
  const deadline = options.timeout > 0 ? Date.now() + options.timeout : 0;
  const release = await takeLock(orchestrator, describe('a change', options.argv), block, options.timeout, reply);
  if (!release) return;
  if (deadline) Object.assign(options, { timeoutAsked: options.timeout, timeout: Math.max(1, deadline - Date.now()) });
  const change = runChange(sup, options, replySink(reply), release);
  if (change.changeId === null) return;
  const id = change.changeId;
  orchestrator.running.set(id, change);
  void change.ended.finally(() => orchestrator.running.delete(id));
}

function lockedMessage(orchestrator: Orchestrator): string {
  const holder = orchestrator.lock.heldBy;
  return `live directory ${orchestrator.supervisor.live} is in use by ${holder?.what ?? 'another change'} (use -b to wait for it)`;
}

/** `a change (s6rc -u change web)`, as "in use by ..." messages name the lock's holder. */
function describe(what: string, argv: string[]): string {
  // Clients send their command line with the program name first (cli/invocation.ts); older ones without it.
  return `${what} (${(argv[0] === 's6rc' ? argv : ['s6rc', ...argv]).join(' ')})`;
}

function parseChange(req: Unchecked<Requests['change']>): ChangeOptions {
  const direction: Direction = req.direction === 'down' || req.direction === 'DOWN' ? req.direction : 'up';
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
    events: req.events === true,
  };
}

function parseUpdate(req: Unchecked<Requests['update']>): UpdateOptions {
  if (typeof req.compiled !== 'string' || !req.compiled) throw new TypeError('update request: compiled must be a path');
  const conversions = Array.isArray(req.conversions) ? req.conversions.map((line) => strings(line)) : [];
  return {
    compiled: req.compiled,
    conversions,
    dryRun: req.dryRun === true,
    timeout: typeof req.timeout === 'number' ? req.timeout : 0,
    verbosity: typeof req.verbosity === 'number' ? req.verbosity : 1,
    forceEssentials: req.forceEssentials === true,
    argv: strings(req.argv),
    user: typeof req.user === 'string' ? req.user : 'unknown',
    events: req.events === true,
  };
}

function parseList(req: Unchecked<Requests['list' | 'listall']>) {
  return { names: strings(req.names), all: req.all === true, down: req.down === true, hideEssentials: req.hideEssentials === true };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Maps errors to exit codes: unknown names 3, a damaged store 4, a malformed request 100, anything else 111. */
function guarded<O extends EngineOp>(handler: OpHandler<O>): OpHandler<O> {
  return async (req, reply, sup) => {
    try {
      await handler(req, reply, sup);
    } catch (err) {
      if (reply.closed) return;
      if (err instanceof UnknownServiceError) return reply.fail(EXIT.unknownName, err.message);
      const e = err as { code?: string; message?: string };
      if (typeof e?.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) return reply.fail(EXIT.invalidDatabase, `invalid live state: ${e.message}`);
      if (err instanceof TypeError && /request/.test(String(e.message))) return reply.fail(EXIT.usage, String(e.message));
      reply.fail(EXIT.system, `internal error: ${e?.message ?? String(err)}`);
    }
  };
}
