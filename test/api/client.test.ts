/**
 * The Node API, imported by the package's name as a user's project would
 * (package.json `exports`: the built dist/api/), against real supervisors
 * in temporary live directories, cleaned up by pid.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, EXIT, S6rcError, type ChangeProgress, type S6rcClient, type StatusView } from 's6rc';
import { cleanupAll, gate } from '../cli/changeHelpers.js';
import { compileOrThrow, s6rc } from '../helpers/cli.js';
import { initLive, makeLive, processesUnder, until, untilAsync, writeSource, type SourceService, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
const clients: S6rcClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  while (lives.length) lives.pop()!.cleanup();
  cleanupAll(); // the gates' directories
});

const ROOT = resolve(__dirname, '../..');

/** A longrun that notifies readiness on fd 3, then sleeps. */
const notifying = (extra: Partial<SourceService> = {}): SourceService => ({ type: 'longrun', run: 'echo >&3; exec sleep 1000', notificationFd: 3, ...extra });

const STACK: Record<string, SourceService> = {
  db: notifying(),
  migrate: { type: 'oneshot', up: '/bin/true', dependencies: ['db'] },
  web: notifying({ dependencies: ['migrate'] }),
  broken: { type: 'oneshot', up: '/bin/false' },
  'needs-broken': { type: 'oneshot', up: '/bin/true', dependencies: ['broken'] },
  stack: { type: 'bundle', contents: ['db', 'web'] },
};

async function client(l: TestLive): Promise<S6rcClient> {
  const c = await connect({ live: l.live });
  clients.push(c);
  return c;
}

/** The rejection of `p`, which must be an S6rcError. */
async function rejection(p: Promise<unknown>): Promise<S6rcError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(S6rcError);
  return err as S6rcError;
}

const steps = (progress: ChangeProgress[]) => progress.flatMap((m) => ('transition' in m ? [`${m.transition.step} ${m.transition.kind} ${m.transition.service}`] : []));

describe('change', () => {
  it('brings services up and down, streaming its id, its plan and each step, and resolves with the report', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);

    const up = s6.change({ up: ['web'] });
    const report = await up;
    // Subscribed after the end: progress$ replays the whole change.
    const progress = await firstValueFrom(up.progress$.pipe(toArray()));
    expect(report).toEqual({
      exitCode: 0,
      changeId: expect.any(Number),
      stoppedBy: null,
      done: [
        { service: 'db', kind: 'up' },
        { service: 'migrate', kind: 'up' },
        { service: 'web', kind: 'up' },
      ],
      failed: [],
      skipped: [],
      inFlight: [],
      essentialKept: [],
    });
    expect(progress[0]).toEqual({ changeId: report.changeId });
    expect(progress[1]).toEqual({ planned: { transitions: report.done, essentialKept: [] } });
    expect(steps(progress)).toEqual(['scheduled up db', 'succeeded up db', 'scheduled up migrate', 'succeeded up migrate', 'scheduled up web', 'succeeded up web']);
    expect(await s6.list({ all: true })).toEqual(['db', 'migrate', 'web']);

    const down = await s6.change({ down: ['db'] });
    expect(down.exitCode).toBe(0);
    expect(down.done.map((t) => `${t.kind} ${t.service}`)).toEqual(['down web', 'down migrate', 'down db']);
    expect(await s6.list({ all: true })).toEqual([]);
  });

  it('reports what failed and what it blocked (exit 1), and what a timeout left in flight (exit 2)', async () => {
    const hold = gate();
    const l = initLive({ ...STACK, slow: { type: 'oneshot', up: hold.oneshot } }, lives);
    const s6 = await client(l);

    const failed = await s6.change({ up: ['needs-broken', 'db'] });
    expect(failed.exitCode).toBe(1);
    expect(failed.done).toEqual([{ service: 'db', kind: 'up' }]);
    expect(failed.failed).toEqual([{ service: 'broken', kind: 'up', code: 1, signal: null, reason: 'command exited 1' }]);
    expect(failed.skipped).toEqual([{ service: 'needs-broken', kind: 'up', by: 'broken' }]);

    const timedOut = await s6.change({ up: ['slow'], timeout: 300 });
    expect(timedOut).toMatchObject({ exitCode: 2, stoppedBy: 'timeout', done: [], inFlight: [{ service: 'slow', kind: 'up' }] });
    hold.release();
  });

  it('cancel() stops it: exit 1, stoppedBy cancel', async () => {
    const hold = gate();
    const l = initLive({ slow: { type: 'oneshot', up: hold.oneshot }, after: { type: 'oneshot', up: '/bin/true', dependencies: ['slow'] } }, lives);
    const s6 = await client(l);
    const call = s6.change({ up: ['after'] });
    // Once the slow transition runs, cancel.
    await firstValueFrom(call.progress$.pipe(take(3), toArray()));
    call.cancel('enough');
    const report = await call;
    expect(report).toMatchObject({ exitCode: 1, stoppedBy: 'cancel', inFlight: [{ service: 'slow', kind: 'up' }], skipped: [{ service: 'after', kind: 'up', by: null }] });
    hold.release();
  });

  it('a dry run changes nothing: no change id, its lines as {out}', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    const call = s6.change({ up: ['web'], dryRun: true });
    const report = await call;
    const progress = await firstValueFrom(call.progress$.pipe(toArray()));
    expect(report).toMatchObject({ exitCode: 0, changeId: null, done: [{ service: 'db' }, { service: 'migrate' }, { service: 'web' }] });
    expect(progress.filter((m) => 'out' in m).map((m) => ('out' in m ? m.out : '')).join('')).toMatch(/^s6rc-dryrun: up db: /);
    expect(await s6.list({ all: true })).toEqual([]);
  });
});

describe('status and watch', () => {
  it('status gives each service (a bundle stands for its atomics)', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    const statuses = await s6.status(['stack']);
    expect(statuses.map((s) => [s.name, s.type, s.state, s.normallyUp])).toEqual([
      ['db', 'longrun', 'down', false],
      ['web', 'longrun', 'down', false],
    ]);
    expect((await s6.status()).length).toBe(5);
  });

  it('watch emits the current status, then each change; unsubscribing ends the request on the supervisor', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    const seen: StatusView[] = [];
    const subscription = s6.watch(['db']).subscribe((s) => seen.push(s));
    await until(() => seen.length > 0, 5000, 'the current status');
    expect(seen[0]).toMatchObject({ name: 'db', state: 'down' });
    expect((await s6.info()).openRequests).toMatchObject({ subscribe: 1 });

    await s6.change({ up: ['db'] });
    await until(() => seen.some((s) => s.state === 'ready'), 5000, 'db ready');
    expect(seen.map((s) => s.state)).toEqual(expect.arrayContaining(['down', 'starting', 'ready']));

    subscription.unsubscribe();
    await untilAsync(async () => (await s6.info()).openRequests.subscribe === undefined, 5000, 'the subscription to end');
    const count = seen.length;
    await s6.change({ down: ['db'] });
    expect(seen.length).toBe(count);
  });

  it('watch errors with an S6rcError for an unknown name', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    const err = await rejection(firstValueFrom(s6.watch(['zork'])));
    expect([err.exitCode, err.message]).toEqual([3, 'unknown service name: zork']);
  });
});

describe('wait', () => {
  it('resolves once every service reached the condition, a bundle meaning all its atomics', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    await s6.change({ up: ['db'] });
    // db is up, web is not: the bundle is not up yet.
    const notYet = await rejection(s6.wait(['stack'], { until: 'up', timeout: 300 }));
    expect([notYet.exitCode, notYet.message]).toEqual([EXIT.waitTimedOut, 'timed out after 300 ms waiting for web to be up']);
    expect((await s6.wait(['stack'], { until: 'up', any: true })).map((s) => s.name)).toContain('db');

    const ready = s6.wait(['stack'], { until: 'ready', timeout: 20_000 });
    await s6.change({ up: ['stack'] });
    expect((await ready).map((s) => [s.name, s.state])).toEqual([
      ['db', 'ready'],
      ['web', 'ready'],
    ]);
    // Nothing left open on the supervisor but this info request.
    expect((await s6.info()).openRequests).toEqual({ info: 1 });
  });

  it('rejects with the number of services that failed permanently, or 100 for bad options', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    await s6.change({ up: ['broken'] });
    const err = await rejection(s6.wait(['broken', 'db'], { until: 'up', timeout: 300 }));
    // db is merely down, not failed: a timeout.
    expect(err.exitCode).toBe(EXIT.waitTimedOut);
    const failed = await rejection(s6.wait(['broken'], { until: 'up' }));
    expect(failed.exitCode).toBe(1);
    expect(failed.message).toMatch(/^service broken .*failed permanently/);
    expect((await rejection(s6.wait(['db'], { until: 'sideways' as 'up' }))).exitCode).toBe(EXIT.usage);
    expect((await rejection(s6.wait([]))).exitCode).toBe(EXIT.usage);
  });
});

describe('history', () => {
  it('reads typed events and changes from the log while the supervisor runs', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    const report = await s6.change({ up: ['migrate'] });
    const succeeded = await s6.history({ changeId: report.changeId!, type: 'transition.succeeded' });
    expect(succeeded.map((e) => [e.service, e.payload.kind])).toEqual([
      ['db', 'up'],
      ['migrate', 'up'],
    ]);
    const spawned = await s6.history({ service: 'db', type: 'run.spawned' });
    expect(spawned).toHaveLength(1);
    expect(spawned[0].payload.pid).toBeGreaterThan(0);
    const last = await s6.history({ limit: 1 });
    expect(last[0].seq).toBeGreaterThan(succeeded[1].seq - 1);
    const [change] = await s6.changes({ id: report.changeId! });
    expect(change).toMatchObject({ argv: ['s6rc', '-u', 'change', 'migrate'], exitCode: 0, done: 2, failed: 0 });
    expect(change.user).toMatch(/\(uid \d+\)$|^uid \d+$/);
  });

  it('a missing event log is 111, with the path', async () => {
    const l = initLive(STACK, lives);
    const s6 = await connect({ live: l.live, store: join(l.root, 'nowhere.db') });
    clients.push(s6);
    const err = await rejection(s6.history());
    expect(err.exitCode).toBe(EXIT.system);
    expect(err.message).toContain(join(l.root, 'nowhere.db'));
  });
});

describe('update and reload', () => {
  it('update streams its plan and resolves with its result; reload resolves with its exit code', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    await s6.change({ up: ['web'] });
    // The same stack, db's run edited: nothing restarts.
    const source = join(l.root, 'source2');
    writeSource(source, { ...STACK, db: notifying({ run: 'echo >&3; exec sleep 1001' }) });
    const compiled = compileOrThrow(join(l.root, 'compiled2'), source);

    const dry = s6.update(compiled, { dryRun: true });
    expect(await dry).toEqual({ exitCode: 0, switched: false });
    const plan = (await firstValueFrom(dry.progress$.pipe(toArray()))).find((m) => 'update' in m);
    expect(plan).toMatchObject({ update: { compiled, stop: {}, start: [] } });

    const done = await s6.update(compiled);
    expect(done).toMatchObject({ exitCode: 0, switched: true, stopped: [], started: [] });

    expect(await s6.reload(['db'])).toEqual({ services: ['db'], exitCode: 0 });
    expect((await rejection(s6.reload(['broken']))).exitCode).toBe(1);
  });
});

describe('errors', () => {
  it('an unknown name is 3, with the message the CLI prints', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    for (const p of [s6.change({ up: ['zork'] }), s6.status(['zork']), s6.list({ services: ['zork'] })]) {
      const err = await rejection(p);
      expect([err.exitCode, err.message]).toEqual([EXIT.unknownName, 'unknown service name: zork']);
    }
    const cli = l.run('status', 'zork');
    expect([cli.code, cli.stderr]).toEqual([3, 's6rc: fatal: unknown service name: zork\n']);
  });

  it('bad options are 100 and nothing is sent', async () => {
    const l = initLive(STACK, lives);
    const s6 = await client(l);
    // @ts-expect-error: up or down, not both
    expect((await rejection(s6.change({ up: ['db'], down: ['web'] }))).exitCode).toBe(EXIT.usage);
    expect((await rejection(s6.change({ up: ['db'], timeout: -1 }))).message).toBe('option timeout expects a non-negative integer, got -1');
    // @ts-expect-error: options are needed
    expect((await rejection(s6.change())).exitCode).toBe(EXIT.usage);
    // @ts-expect-error: names are strings
    expect((await rejection(s6.status([42]))).exitCode).toBe(EXIT.usage);
    expect((await s6.info()).openRequests).toEqual({ info: 1 });
  });

  it('no supervisor: 111 and the CLI message; a supervisor that dies: 111 for a call, 102 for wait', async () => {
    const l = makeLive(STACK);
    lives.push(l);
    rmSync(l.live, { recursive: true, force: true });
    const never = await rejection(connect({ live: l.live }));
    const cli = s6rc(['status', '-l', l.live]);
    expect([never.exitCode, `s6rc: fatal: ${never.message}\n`]).toEqual([cli.code, cli.stderr]);
    expect(never.message).toBe(`no supervisor is running on ${l.live} (${l.live}/control)`);

    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    const s6 = await client(l);
    const waiting = s6.wait(['db'], { until: 'up' });
    await untilAsync(async () => (await s6.info()).openRequests.subscribe === 1, 5000, 'the wait to subscribe');
    const pid = l.supervisorPid()!;
    process.kill(pid, 'SIGKILL');
    const gone = await rejection(waiting);
    expect([gone.exitCode, gone.message]).toEqual([EXIT.supervisorGone, `supervisor on ${l.live} went away`]);
    const after = await rejection(s6.status());
    expect([after.exitCode, after.message]).toEqual([EXIT.system, `supervisor on ${l.live} went away`]);
    for (const p of processesUnder(l.live)) process.kill(p, 'SIGKILL');
  });

  it('close() ends what is open: calls reject, watches complete', async () => {
    const l = initLive(STACK, lives);
    const s6 = await connect({ live: l.live });
    const watched = firstValueFrom(s6.watch(['db']).pipe(toArray()));
    const waiting = s6.wait(['db'], { until: 'up' });
    await untilAsync(async () => (await s6.info()).openRequests.subscribe === 2, 5000, 'both subscriptions');
    s6.close();
    expect((await watched).map((s) => s.state)).toEqual(['down']);
    expect((await rejection(waiting)).exitCode).toBe(EXIT.system);
    expect((await rejection(s6.status())).exitCode).toBe(EXIT.system);
  });
});

describe('the package', () => {
  it('plain Node resolves s6rc by its name (the types of this file come from its declarations), and the example runs against a supervisor', () => {
    const l = initLive(STACK, lives);
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('s6rc'); console.log(Object.keys(m).sort().join(' '))"], { cwd: ROOT, encoding: 'utf8' });
    expect(probe.stdout).toBe('EXIT S6rcError connect\n');
    const example = spawnSync(process.execPath, [join(ROOT, 'examples/api/start-and-watch.mjs'), l.live, 'web'], { encoding: 'utf8', timeout: 60_000 });
    expect(example.stderr).toBe('');
    expect(example.status).toBe(0);
    expect(example.stdout).toMatch(/^change {2}\d+ started$/m);
    expect(example.stdout).toContain('change  up web: succeeded\n');
    expect(example.stdout).toMatch(/^status {2}web: ready \(pid \d+\)$/m);
    expect(example.stdout).toContain('done    3 done, 0 failed, 0 skipped; exit 0\n');
    const unknown = spawnSync(process.execPath, [join(ROOT, 'examples/api/start-and-watch.mjs'), l.live, 'zork'], { encoding: 'utf8' });
    expect([unknown.status, unknown.stderr]).toEqual([3, 's6rc: fatal: unknown service name: zork\n']);
  });
});
