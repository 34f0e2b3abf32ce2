/**
 * The control socket's types (protocol/types.ts) bind both sides: a handler
 * answering with the wrong shape, or a client asking for an op that does not
 * exist or reading a field its answer lacks, does not compile. The checks are
 * `@ts-expect-error` lines, enforced by `tsc -p tsconfig.test.json` (an
 * expected error that does not occur is itself an error); the functions
 * holding them are never run. And docs/protocol.md lists exactly the ops
 * the types declare.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BuiltinOp, EngineOp, OpHandlers, Reply } from '../../actors/supervisor/api.js';
import type { call, ControlClient } from '../../cli/client.js';
import type { ChangePlanned, Op, Output, ProgressOf, Results, StatusView, TransitionProgress, UpdatePlanned } from '../../protocol/types.js';

const ROOT = resolve(__dirname, '../..');

describe('supervisor side', () => {
  it('every op has a handler, the built-in ones and the change engine’s together', () => {
    expectTypeOf<BuiltinOp | EngineOp>().toEqualTypeOf<Op>();
    expectTypeOf<keyof OpHandlers>().toEqualTypeOf<Op>();
    // @ts-expect-error: a table without `reload` is not every handler
    const missing: Pick<OpHandlers, BuiltinOp> = { ping: () => {} };
    void missing;
  });

  it('a handler answers with its op’s result and progress only', () => {
    const handlers: Pick<OpHandlers, 'ping' | 'status' | 'shutdown' | 'change'> = {
      // @ts-expect-error: ping's `pong` is `true`
      ping: (_req, reply) => reply.end({ pong: false, pid: 1, boot: 0 }),
      status: (_req, reply) => {
        // @ts-expect-error: status answers `services`, not `service`
        reply.end({ service: [] });
        // @ts-expect-error: status sends no progress
        reply.progress({ text: 'x' });
      },
      shutdown: (_req, reply) => {
        reply.progress({ event: 'stopped', service: 'web' });
        // @ts-expect-error: `event` is `stopping` or `stopped`
        reply.progress({ event: 'gone', service: 'web' });
        // @ts-expect-error: `killed` is a list of names
        reply.end({ stopped: 1, killed: 2, timedOut: false });
      },
      change: (_req, reply) => {
        reply.end({ exitCode: 0, changeId: 1, succeeded: 1, failed: 0, blocked: 0 });
        // @ts-expect-error: a change's result says how it ended
        reply.end({ exitCode: 0 });
      },
    };
    void handlers;
  });

  it('a handler reads a request as unchecked JSON: named fields of unknown type', () => {
    const status: OpHandlers['status'] = (req) => {
      expectTypeOf(req.services).toBeUnknown();
      // @ts-expect-error: unchecked, so not yet an array
      void req.services.length;
      // @ts-expect-error: status names no `names` field
      void req.names;
    };
    const signal: OpHandlers['signal'] = (req) => {
      // Every field of every form of the request.
      void [req.services, req.signal, req.group, req.reloadSignal];
    };
    void [status, signal];
  });

  it('Reply<O> is typed by its op', () => {
    expectTypeOf<Parameters<Reply<'list'>['end']>[0]>().toEqualTypeOf<{ services: string[] }>();
    expectTypeOf<Parameters<Reply<'status'>['progress']>[0]>().toBeNever();
    expectTypeOf<Parameters<Reply<'subscribe'>['end']>[0]>().toBeNever();
  });
});

describe('client side', () => {
  it('request and call take an op’s request and give its result', () => {
    async function uses(client: ControlClient, callOp: typeof call) {
      expectTypeOf(await client.request('status', { services: ['web'] })).toEqualTypeOf<{ services: StatusView[]; seq: number }>();
      expectTypeOf(await callOp(client, 'reconcile', {})).toEqualTypeOf<Results['reconcile']>();
      await client.request('subscribe', {}, (m) => expectTypeOf(m).toEqualTypeOf<{ status: StatusView }>());
      await callOp(client, 'signal', { services: ['web'], signal: 'SIGHUP', group: true });
      await callOp(client, 'signal', { services: ['web'], reloadSignal: true });
    }
    void uses;
  });

  it('a wrong op, request field or result field does not compile', () => {
    async function misuses(client: ControlClient, callOp: typeof call) {
      // @ts-expect-error: no such op
      await client.request('stauts', {});
      // @ts-expect-error: status takes `services`
      await client.request('status', { service: ['web'] });
      // @ts-expect-error: status answers `services`
      void (await client.request('status', {})).servics;
      // @ts-expect-error: ping takes no field
      await callOp(client, 'ping', { verbose: true });
      // @ts-expect-error: a signal needs a signal name, or reloadSignal
      await callOp(client, 'signal', { services: ['web'] });
      // @ts-expect-error: reloadSignal sends each service's own signal, not one named
      await callOp(client, 'signal', { services: ['web'], reloadSignal: true, signal: 'SIGHUP' });
      // @ts-expect-error: an update needs its database
      await callOp(client, 'update', { dryRun: true });
      // @ts-expect-error: a change's progress is its id or its text, not a status
      await client.request('change', {}, (m: ProgressOf<'subscribe'>) => void m);
    }
    void misuses;
  });

  it('ProgressOf is never for an op that sends none', () => {
    expectTypeOf<ProgressOf<'ping'>>().toBeNever();
    expectTypeOf<ProgressOf<'update'>>().toEqualTypeOf<Output | UpdatePlanned | ChangePlanned | TransitionProgress>();
  });
});

describe('docs/protocol.md', () => {
  /** The keys of `interface <name> { ... }` in protocol/types.ts. */
  function keysOf(name: string): string[] {
    const source = readFileSync(resolve(ROOT, 'protocol/types.ts'), 'utf8');
    const body = source.match(new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`))![1];
    return [...body.matchAll(/^ {2}'?([a-z-]+)'?: /gm)].map((m) => m[1]).sort();
  }

  it('has one row per op of protocol/types.ts', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]).sort();
    expect(rows).toEqual(keysOf('Requests'));
    expect(keysOf('Results')).toEqual(keysOf('Requests'));
  });

  it('gives every op with progress a progress column', () => {
    const doc = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');
    // op | request | progress | result; a cell may hold an escaped pipe (`'stopping'\|'stopped'`).
    const row = /^\| `([a-z-]+)` \|((?:\\\||[^|])*)\|((?:\\\||[^|])*)\|/gm;
    const withProgress = [...doc.matchAll(row)].filter((m) => m[3].trim()).map((m) => m[1]).sort();
    expect(withProgress).toEqual(keysOf('Progress'));
  });
});
