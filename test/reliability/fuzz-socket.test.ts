/**
 * Fuzzing the control socket (issue 13): against a real supervisor running
 * three longruns, storms of clients (socketClients.ts) that send random
 * bytes, random and malformed requests in random pieces, lines over the
 * 1 MiB bound, partial lines, tens of thousands of requests they never read
 * the answers of, and thousands of connections that open and drop. During
 * each storm a service's run is killed by pid.
 *
 * The supervisor must answer each request line exactly once (an error for
 * what is not a request), cut off the clients over its bounds
 * (docs/protocol.md, "Limits"), keep its memory bounded (VmRSS sampled from
 * /proc during the storm), and keep supervising: the death is in the log,
 * the service runs again, `s6rc status` works, and no request is left open.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { s6rc } from '../helpers/cli.js';
import { info, initLive, isAlive, type TestLive } from '../helpers/supervisor.js';
import { budget, timeout } from './budget.js';
import { clientArb, finals, runClient, type Seen } from './socketClients.js';

const lives: TestLive[] = [];
let l: TestLive;
let supervisor: number;
const sockets = new Set<Socket>();

afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const x of lives.splice(0)) x.cleanup();
});

beforeAll(() => {
  const run = 'exec sleep 1000';
  l = initLive({ a: { type: 'longrun', run }, b: { type: 'longrun', run, dependencies: ['a'] }, c: { type: 'longrun', run }, all: { type: 'bundle', contents: ['a', 'b', 'c'] } }, lives);
  const r = s6rc(['-l', l.live, '-u', 'change', 'all']);
  if (r.code !== 0) throw new Error(r.stderr);
  supervisor = l.supervisorPid()!;
}, 60_000);

/** The supervisor's resident memory, in KiB, from /proc/<pid>/status. */
function rssKib(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const statusOf = (name: string): { pid: number | null; state: string } => {
  const r = s6rc(['status', '-l', l.live, '--json', name]);
  if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { pid: number | null; state: string }[])[0];
};

/** The length of the supervisor's answer to `{"op":"status"}` (every service), as it writes it. */
function statusAnswerSize(control: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(control);
    let buf = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write('{"id":1,"op":"status"}\n'));
    socket.on('data', (d) => {
      buf += d;
      if (!buf.includes('\n')) return;
      socket.destroy();
      resolve(buf.indexOf('\n') + 1);
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await pause(50);
  }
}

/** The contract for what one client saw. */
function checkClient(seen: Seen): void {
  const what = `${seen.plan.kind} client`;
  expect(seen.unparsable, `${what}: every line the supervisor sends is JSON`).toEqual([]);
  for (const line of seen.lines) {
    if (line.type === 'error') {
      expect(typeof line.exitCode === 'number' && typeof line.message === 'string', `${what}: ${JSON.stringify(line)}`).toBe(true);
      expect(line.message as string, `${what}: one-line message`).not.toMatch(/\n/);
    }
  }
  const errors = seen.lines.filter((x) => x.type === 'error');
  switch (seen.plan.kind) {
    case 'garbage':
      // Random bytes: any answer is an error of exit 100 (a line that happens to be an object names no known op).
      for (const e of errors) expect(e.exitCode, `${what}: ${JSON.stringify(e)}`).toBe(100);
      expect(seen.lines.filter((x) => x.type === 'result'), what).toEqual([]);
      break;
    case 'huge':
      expect(seen.closedByServer, `${what}: cut off`).toBe(true);
      // Its error line comes first, but a client still writing may see EPIPE before it reads it (Node then drops what it had not read).
      if (errors.length) expect(errors.at(-1)?.message, what).toMatch(/^request line longer than 1048576 bytes/);
      break;
    case 'requests': {
      const finalsSeen = seen.lines.filter((x) => x.type === 'result' || x.type === 'error');
      expect(finalsSeen.length, `${what}: one final answer per request line`).toBe(finals(seen.plan.lines));
      const byId = new Map<unknown, Record<string, unknown>[]>();
      for (const f of finalsSeen) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
      for (const sent of seen.plan.lines) {
        if (sent.expect.kind !== 'final') continue;
        const got = byId.get(sent.expect.id) ?? [];
        expect(got.length, `${what}: ${sent.text} answered once`).toBe(1);
        if (sent.expect.exitCode !== undefined) expect(got[0], `${what}: ${sent.text}`).toMatchObject({ type: 'error', exitCode: sent.expect.exitCode });
      }
      expect(byId.get(null)?.length ?? 0, `${what}: parse errors`).toBe(seen.plan.lines.filter((x) => x.expect.kind === 'parse-error').length);
      break;
    }
  }
}

describe('fuzz: the control socket under a storm of bad clients', () => {
  it(
    'answers or ignores every line, cuts off clients over its bounds, stays within its memory, and keeps supervising',
    async () => {
      const { seed, numRuns } = budget('fuzz-socket', { short: 2, long: 40 });
      const control = join(l.live, 'control');
      // The length of one `status` answer, for never-reading clients to send enough to pass the bound.
      const answerSize = await statusAnswerSize(control);
      const baseline = rssKib(supervisor);
      let peak = baseline;
      const tallies: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(fc.array(clientArb, { minLength: 3, maxLength: 10 }), fc.nat({ max: 300 }), async (plans, killAfter) => {
          const before = statusOf('a');
          expect(before.state).toBe('ready');
          const sampler = setInterval(() => (peak = Math.max(peak, rssKib(supervisor))), 50);
          try {
            const storm = Promise.all(plans.map((p) => runClient(control, p, sockets, answerSize)));
            await pause(killAfter);
            process.kill(before.pid!, 'SIGKILL'); // a death during the storm
            const seen = await storm;
            for (const s of seen) {
              checkClient(s);
              tallies[s.plan.kind] = (tallies[s.plan.kind] ?? 0) + 1;
            }
            // Clients that never read are still open on our side: the supervisor must have dropped them itself.
            let open: Record<string, number> = {};
            await until(
              async () => (open = (await info(l)).openRequests as Record<string, number>).subscribe === undefined,
              () => `the never-reading clients dropped (no subscription left open; open requests ${JSON.stringify(open)})`,
            );
          } finally {
            clearInterval(sampler);
            for (const s of sockets) s.destroy();
            sockets.clear();
          }
          expect(isAlive(supervisor), 'the supervisor survived').toBe(true);
          // The death is recorded, and the service runs again.
          await until(() => {
            const now = statusOf('a');
            return now.state === 'ready' && now.pid !== before.pid;
          }, 'a restarted');
          const history = s6rc(['history', '-l', l.live, '--service', 'a', '--json'], { env: { ...process.env, S6RC_STORE: '' } });
          expect(history.code, history.stderr).toBe(0);
          const deaths = history.stdout
            .split('\n')
            .filter(Boolean)
            .map((x) => JSON.parse(x) as { event: string; payload?: { pid?: number; signal?: string } })
            .filter((e) => e.event === 'run.exited' && e.payload?.pid === before.pid);
          expect(deaths, `the death of pid ${before.pid} in the log`).toHaveLength(1);
          expect(deaths[0].payload?.signal).toBe('SIGKILL');
          const status = s6rc(['status', '-l', l.live]);
          expect(status.code, status.stderr).toBe(0);
          expect(((await info(l)).openRequests as Record<string, number>) ?? {}).toEqual({ info: 1 });
        }),
        { seed, numRuns, endOnFailure: true },
      );
      const grew = peak - baseline;
      process.stdout.write(`reliability fuzz-socket: clients ${JSON.stringify(tallies)}; status answer ${answerSize} bytes; supervisor VmRSS ${baseline} KiB before, peak ${peak} KiB (+${grew} KiB)\n`);
      // Bounds: 16 MiB unread per connection, a few such clients at once, plus the garbage of parsing their requests.
      expect(grew, 'the supervisor stayed within its memory bounds').toBeLessThan(200 * 1024);
    },
    timeout(240_000),
  );
});
