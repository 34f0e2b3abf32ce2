/**
 * Misbehaving and well-behaved clients of the control socket for
 * fuzz-socket.test.ts, each a fast-check value that a `storm` runs: random
 * bytes, random requests in random pieces, lines too long, partial lines,
 * clients that never read, connections that open and drop by the thousand.
 */
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { CONNECTION_LIMITS } from '../../actors/supervisor/controlServer.js';

/** A request line as sent, and what it must get: one final answer (`id`), or nothing, or an id-less error. */
export interface SentLine {
  text: string;
  expect: { kind: 'final'; id: number | string; exitCode?: number } | { kind: 'none' } | { kind: 'parse-error' };
}

const SERVICES = ['a', 'b', 'c'];
const names = fc.array(fc.constantFrom(...SERVICES, 'all', 'zork', '', 's6rc-x', 'a\nb'), { maxLength: 4 });
/** Request fields: random JSON, the wrong type as often as not. */
const junk = fc.dictionary(fc.constantFrom('services', 'names', 'all', 'verbosity', 'timeout', 'block', 'changeId', 'why', 'x', '__proto__'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

/**
 * One request: an op that neither stops a service nor the supervisor (the
 * storm kills one itself and checks it comes back), with fields right,
 * wrong or random; unknown ops; names that do not exist.
 */
const requestArb: fc.Arbitrary<{ op: unknown; fields: Record<string, unknown>; exitCode?: number }> = fc.oneof(
  fc.record({ op: fc.constantFrom('ping', 'info', 'diff', 'reconcile'), fields: junk }),
  fc.record({ op: fc.constantFrom('status', 'up', 'list', 'listall'), fields: fc.record({ services: names, names }) }),
  fc.record({ op: fc.constantFrom('status', 'up'), fields: junk }),
  fc.record({ op: fc.constant('status'), fields: fc.constant({ services: ['zork'] }), exitCode: fc.constant(3) }),
  fc.record({ op: fc.constant('change-cancel'), fields: fc.record({ changeId: fc.oneof(fc.integer(), fc.string()) }) }),
  // A change that can only bring services up: never prune, never down.
  fc.record({
    op: fc.constant('change'),
    fields: fc.record({ names, direction: fc.constant('up'), prune: fc.constant(false), dryRun: fc.option(fc.nat({ max: 5 })), block: fc.boolean(), verbosity: fc.nat({ max: 3 }) }),
  }),
  fc.record({ op: fc.constantFrom('nosuch', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'SHUTDOWN'), fields: junk, exitCode: fc.constant(100) }),
  fc.record({ op: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })), fields: junk, exitCode: fc.constant(100) }),
);

/** The lines one client sends: requests with unique ids, garbage lines, blank lines, cancels of subscriptions. */
export const linesArb: fc.Arbitrary<SentLine[]> = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: requestArb.map((r) => ({ type: 'request' as const, ...r })) },
      { weight: 2, arbitrary: fc.constantFrom('{', '}', '[]', '"x"', 'null', '12', '{"id":', 'not json', '\u0000\u00ff', '{"id":1,"op":"ping"', '{{}}').map((text) => ({ type: 'garbage' as const, text })) },
      { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t').map((text) => ({ type: 'blank' as const, text })) },
      { weight: 1, arbitrary: fc.constant({ type: 'subscribe' as const }) },
    ),
    { minLength: 1, maxLength: 40 },
  )
  .map((items) =>
    items.flatMap((item, i): SentLine[] => {
      const id = i % 2 ? i : `r${i}`;
      switch (item.type) {
        case 'request':
          return [{ text: JSON.stringify({ ...item.fields, id, op: item.op }), expect: { kind: 'final', id, exitCode: item.exitCode } }];
        case 'garbage':
          return [{ text: item.text, expect: { kind: 'parse-error' } }];
        case 'blank':
          return [{ text: item.text, expect: { kind: 'none' } }];
        case 'subscribe':
          // A subscription never ends by itself: cancelled, it ends with no final line.
          return [
            { text: JSON.stringify({ id, op: 'subscribe', services: [] }), expect: { kind: 'none' } },
            { text: JSON.stringify({ cancel: id }), expect: { kind: 'none' } },
          ];
      }
    }),
  );

/** One client of a storm. */
export type ClientPlan =
  | { kind: 'requests'; lines: SentLine[]; cuts: number[] }
  | { kind: 'garbage'; chunks: Uint8Array[] }
  | { kind: 'huge'; bytes: number }
  | { kind: 'partial'; text: string }
  /** Sends `status` requests for at least `times` the supervisor's unread bound in answers, and never reads (until cut off). */
  | { kind: 'never-reads'; times: number }
  | { kind: 'churn'; connections: number; ping: boolean };

export const clientArb: fc.Arbitrary<ClientPlan> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('requests' as const), lines: linesArb, cuts: fc.array(fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 0x100000000), { maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 4096 }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), bytes: fc.integer({ min: (1 << 20) + 1, max: 4 << 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partial' as const), text: fc.constantFrom('{"id":1,"op":"stat', '{"id":2', '\u00e9\u00e8', '{"id":3,"op":"change","names":["a"]') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('never-reads' as const), times: fc.double({ min: 1.5, max: 4, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('churn' as const), connections: fc.integer({ min: 200, max: 2000 }), ping: fc.boolean() }) },
);

/** What a client saw: every line the supervisor sent it, parsed, and whether the supervisor closed it. */
export interface Seen {
  plan: ClientPlan;
  lines: Record<string, unknown>[];
  unparsable: string[];
  closedByServer: boolean;
  /** Set before this side ends or destroys the connection. */
  closedByUs: boolean;
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function collect(socket: Socket, seen: Seen): Promise<void> {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    text += d;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      try {
        seen.lines.push(JSON.parse(line));
      } catch {
        seen.unparsable.push(line.slice(0, 200));
      }
    }
  });
  return new Promise((resolve) => {
    socket.on('error', () => {});
    // An end, or (the server closed while we were still writing: EPIPE) a close we did not ask for.
    socket.on('end', () => (seen.closedByServer = true));
    socket.on('close', () => {
      if (!seen.closedByUs) seen.closedByServer = true;
      resolve();
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The number of final answers `lines` expect. */
export const finals = (lines: SentLine[]) => lines.filter((l) => l.expect.kind !== 'none').length;

/**
 * Runs one client to its end; `sockets` collects what it opened (the caller
 * destroys leftovers, such as a never-reading client's, after its checks).
 */
export async function runClient(path: string, plan: ClientPlan, sockets: Set<Socket>, answerSize: number): Promise<Seen> {
  const seen: Seen = { plan, lines: [], unparsable: [], closedByServer: false, closedByUs: false };
  if (plan.kind === 'churn') {
    const wave = 100;
    for (let i = 0; i < plan.connections; i += wave) {
      await Promise.all(
        Array.from({ length: Math.min(wave, plan.connections - i) }, async () => {
          const s = await open(path).catch(() => null);
          if (!s) return;
          s.on('error', () => {});
          if (plan.ping) s.write('{"id":1,"op":"ping"}\n');
          s.destroy(); // drops without reading
        }),
      );
    }
    return seen;
  }
  const socket = await open(path);
  sockets.add(socket);
  if (plan.kind === 'never-reads') {
    socket.pause();
    socket.on('error', () => {});
    // A subscription to watch from the supervisor's side (`info`'s openRequests) whether it dropped this client.
    socket.write('{"id":"sub","op":"subscribe"}\n');
    const batch = Array.from({ length: 1000 }, (_, i) => `{"id":${i},"op":"status"}\n`).join('');
    // Enough for `times` the bound even if each answer were only 100 bytes; it stops once cut off (EPIPE).
    const requests = Math.ceil((plan.times * CONNECTION_LIMITS.maxUnread) / Math.min(answerSize, 100));
    for (let i = 0; i < requests && !socket.destroyed; i += 1000) {
      if (!socket.write(batch)) await Promise.race([new Promise((r) => socket.once('drain', r)), pause(2000)]);
    }
    return seen;
  }
  const done = collect(socket, seen);
  switch (plan.kind) {
    case 'garbage':
      for (const c of plan.chunks) socket.write(c);
      seen.closedByUs = true;
      socket.end();
      break;
    case 'huge': {
      const piece = Buffer.alloc(64 * 1024, 0x61);
      for (let sent = 0; sent < plan.bytes && !socket.destroyed && !seen.closedByServer; sent += piece.length) {
        if (!socket.write(piece)) await Promise.race([new Promise((r) => socket.once('drain', r)), pause(200)]);
      }
      break;
    }
    case 'partial':
      seen.closedByUs = true;
      socket.end(plan.text);
      break;
    case 'requests': {
      const all = plan.lines.map((l) => `${l.text}\n`).join('');
      const cuts = [...new Set(plan.cuts.map((c) => Math.floor(c * all.length)))].sort((x, y) => x - y);
      let from = 0;
      for (const at of [...cuts, all.length]) {
        socket.write(all.slice(from, at));
        from = at;
        await pause(5);
      }
      // Wait for every final answer, then close.
      const expected = finals(plan.lines);
      const ends = () => seen.lines.filter((l) => l.type === 'result' || l.type === 'error').length;
      for (let i = 0; i < 2400 && ends() < expected && !socket.destroyed; i++) await pause(25);
      seen.closedByUs = true;
      socket.end();
      break;
    }
  }
  await Promise.race([done, pause(60_000)]);
  return seen;
}
