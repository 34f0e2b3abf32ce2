import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor, readProcessStartTime } from '../../actors/service/createServiceActor.js';
import type { Oneshot } from '../../machines/model.js';
import { Harness, isAlive, oneshotSpec, waitUntil } from '../fixtures/services.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

function start(spec: Oneshot) {
  return h.track(createServiceActor({ spec, serviceDir: h.root, sink: h.sink }));
}

describe('oneshot actor', () => {
  it('runs up (argv, no shell) then down, in the supervisor environment', async () => {
    process.env.S6RC_TEST_MARK = 'from-supervisor';
    const spec = oneshotSpec('setup', {
      up: { kind: 'argv', argv: ['/bin/sh', '-c', 'echo "$S6RC_TEST_MARK" > up-ran'] },
      down: { kind: 'argv', argv: ['rm', 'up-ran'] },
    });
    const actor = start(spec);
    actor.up(3);
    expect(actor.status().state).toBe('starting');
    await h.waitState(actor, 'ready');
    expect(existsSync(join(h.root, 'up-ran'))).toBe(true);
    actor.down(4);
    await h.waitState(actor, 'down');
    expect(existsSync(join(h.root, 'up-ran'))).toBe(false);
    expect(h.records.map((r) => `${r.type}:${r.to}:${r.changeId}`)).toEqual([
      'up:starting:3', 'script.spawned:starting:3', 'script.exited:ready:3',
      'down:stopping:4', 'script.spawned:stopping:4', 'script.exited:down:4',
    ]);
    expect(h.records[1].payload.argv).toEqual(spec.up.kind === 'argv' ? spec.up.argv : []);
  });

  it('runs a #! script from a temporary executable file in a private directory', async () => {
    const actor = start(oneshotSpec('script', { up: { kind: 'script', script: '#!/bin/sh\necho "$0" > script-ran\n' } }));
    actor.up();
    await h.waitState(actor, 'ready');
    const path = readFileSync(join(h.root, 'script-ran'), 'utf8').trim();
    expect(path).toMatch(/\/s6rc-scripts-[^/]+\/script-up-\d+$/);
    expect(existsSync(path)).toBe(false); // removed after it ran
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  it('the scripts directories go away when the supervisor process exits, made or given', () => {
    const module = join(import.meta.dirname, '../../dist/actors/service/scriptFile.js');
    const given = join(h.root, 'given-scripts');
    const code = `import(${JSON.stringify(module)}).then((m) => {
      console.log(new m.ScriptFiles().write('x', '#!/bin/sh\\n').path);
      console.log(new m.ScriptFiles(${JSON.stringify(given)}).write('y', '#!/bin/sh\\n').path);
    })`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const [made, inGiven] = r.stdout.trim().split('\n');
    expect(made).toMatch(/s6rc-scripts-/);
    expect(dirname(inGiven)).toBe(given);
    expect(existsSync(dirname(made))).toBe(false);
    expect(existsSync(given)).toBe(false);
  });

  it('a null down succeeds at once', () => {
    const actor = start(oneshotSpec('nodown'));
    actor.up();
    return h.waitState(actor, 'ready').then(() => {
      actor.down();
      expect(actor.status().state).toBe('down');
    });
  });

  it('an empty up (stored as an empty argv) does nothing and succeeds', async () => {
    const actor = start(oneshotSpec('empty', { up: { kind: 'argv', argv: [] } }));
    actor.up();
    await h.waitState(actor, 'ready');
    expect(actor.status()).toMatchObject({ exitCode: 0, error: null });
  });

  it('a non-zero exit or a signal fails it with s6-rc wording; up retries', async () => {
    const actor = start(oneshotSpec('bad', { up: { kind: 'argv', argv: ['/bin/sh', '-c', 'exit 4'] } }));
    actor.up();
    await h.waitState(actor, 'failed');
    expect(actor.status()).toMatchObject({ exitCode: 4, error: 'up: command exited 4' });
    const killed = start(oneshotSpec('killed', { up: { kind: 'argv', argv: ['/bin/sh', '-c', 'kill -9 $$'] } }));
    killed.up();
    await h.waitState(killed, 'failed');
    expect(killed.status()).toMatchObject({ signal: 'SIGKILL', error: 'up: crashed with signal SIGKILL' });
    actor.down();
    expect(actor.status().state).toBe('down');
  });

  it('a missing program fails with the spawn error', async () => {
    const actor = start(oneshotSpec('missing', { up: { kind: 'argv', argv: ['/nonexistent/program'] } }));
    actor.up();
    await h.waitState(actor, 'failed');
    expect(actor.status().error).toMatch(/^up: unable to spawn \/nonexistent\/program: no such file/);
  });

  it('timeout-up kills the script (SIGTERM, then SIGKILL) and fails it', async () => {
    const actor = h.track(
      createServiceActor({
        // timeout-up leaves the shell a whole second to install its SIGTERM trap, even on a loaded machine:
        // a SIGTERM before the trap would kill it and SIGKILL would never be needed.
        spec: oneshotSpec('slow', { timeoutUp: 1000, up: { kind: 'argv', argv: ['/bin/sh', '-c', "trap '' TERM; echo $$ > slow-pid; while :; do sleep 0.05; done"] } }),
        serviceDir: h.root,
        sink: h.sink,
        scriptKillGrace: 200,
      }),
    );
    actor.up();
    await waitUntil(() => existsSync(join(h.root, 'slow-pid')), 'script to start');
    const pid = actor.status().pid!;
    await h.waitState(actor, 'failed', 20_000);
    expect(actor.status().error).toBe('up: timed out after 1000 ms');
    await waitUntil(() => !isAlive(pid), 'script to be killed');
    await waitUntil(() => actor.status().pid === null, 'exit recorded');
    expect(actor.status().signal).toBe('SIGKILL');
  });

  it('timeout-up kills the whole process group: nothing the script forked survives', async () => {
    const actor = start(
      oneshotSpec('forks', { timeoutUp: 300, up: { kind: 'argv', argv: ['/bin/sh', '-c', 'sleep 1000 & echo $! > child-pid; wait'] } }),
    );
    actor.up();
    await waitUntil(() => existsSync(join(h.root, 'child-pid')) && readFileSync(join(h.root, 'child-pid'), 'utf8').endsWith('\n'), 'script to fork');
    const child = Number(readFileSync(join(h.root, 'child-pid'), 'utf8'));
    h.trackPid(child);
    await h.waitState(actor, 'failed');
    await waitUntil(() => !isAlive(child), 'the forked child to be killed with its group');
  });

  it('down cancels an up in flight: kills its process group, then runs down', async () => {
    const actor = start(
      oneshotSpec('stuck', {
        up: { kind: 'argv', argv: ['/bin/sh', '-c', 'sleep 1000 & echo $! > child-pid; wait'] },
        down: { kind: 'argv', argv: ['/bin/sh', '-c', 'echo undone > down-ran'] },
      }),
    );
    actor.up(1);
    await waitUntil(() => existsSync(join(h.root, 'child-pid')) && readFileSync(join(h.root, 'child-pid'), 'utf8').endsWith('\n'), 'up to fork');
    const child = Number(readFileSync(join(h.root, 'child-pid'), 'utf8'));
    h.trackPid(child);
    actor.down(2);
    expect(actor.status().state).toBe('stopping');
    await h.waitState(actor, 'down');
    expect(readFileSync(join(h.root, 'down-ran'), 'utf8')).toBe('undone\n');
    expect(isAlive(child)).toBe(false);
    expect(h.records.map((r) => `${r.type}:${r.to}`)).toEqual([
      'up:starting', 'script.spawned:starting',
      'down:stopping', 'script.exited:stopping', 'script.spawned:stopping', 'script.exited:down',
    ]);
    expect(h.records[3].payload).toMatchObject({ signal: 'SIGTERM' });
  });

  it('down before the up script could start cancels it as soon as it starts', async () => {
    let spawnUp: (() => void) | null = null;
    const actor = h.track(
      createServiceActor({
        spec: oneshotSpec('late', { up: { kind: 'argv', argv: ['sleep', '1000'] } }),
        serviceDir: h.root,
        sink: h.sink,
        // The event log has not committed the intent yet: the spawn waits for it.
        whenRecorded: (spawn) => (spawnUp = spawn),
      }),
    );
    actor.up();
    actor.down();
    expect(actor.status()).toMatchObject({ state: 'starting', wantedUp: false });
    spawnUp!();
    expect(actor.status().state).toBe('stopping');
    await h.waitState(actor, 'down');
  });

  it('a signal reaches the process group of the running script', async () => {
    const actor = start(oneshotSpec('sig', { up: { kind: 'argv', argv: ['/bin/sh', '-c', 'sleep 1000 & wait'] } }));
    actor.up();
    await waitUntil(() => actor.status().pid !== null, 'up to start');
    actor.signal('SIGKILL');
    await h.waitState(actor, 'failed');
    expect(actor.status()).toMatchObject({ signal: 'SIGKILL', error: 'up: crashed with signal SIGKILL' });
  });

  it('a failed down leaves it failed; down again reruns down', async () => {
    const actor = start(oneshotSpec('flaky', { down: { kind: 'argv', argv: ['/bin/sh', '-c', 'test -e down-ok'] } }));
    actor.up();
    await h.waitState(actor, 'ready');
    actor.down();
    await h.waitState(actor, 'failed');
    expect(actor.status().error).toBe('down: command exited 1');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(h.root, 'down-ok'), '');
    actor.down();
    await h.waitState(actor, 'down');
  });
});

describe('oneshot recovery', () => {
  const interrupted = (pid: number, startTime: string | null = null) => ({
    name: 'interrupted', wantedUp: true, pid, startTime, exitCode: null, signal: null, paused: false,
    updownSince: 0, readySince: null, deathTally: 0, error: null, hasDown: false, script: 'up' as const, outcomeUnknown: false,
  });

  it('a script that is gone with no recorded exit has an unknown outcome: failed, never run again', async () => {
    const spec = oneshotSpec('interrupted', { up: { kind: 'argv', argv: ['/bin/sh', '-c', 'echo ran >> runs'] } });
    const actor = h.track(createServiceActor({ spec, serviceDir: h.root, sink: h.sink, restore: { snapshot: { state: 'starting', context: interrupted(2 ** 22 + 77) } } }));
    expect(actor.status()).toMatchObject({ state: 'failed', pid: null, error: 'up: outcome unknown: the supervisor died while it ran' });
    await new Promise((r) => setImmediate(r));
    expect(h.records.map((r) => r.type)).toEqual(['script.lost']);
    expect(existsSync(join(h.root, 'runs'))).toBe(false);
  });

  it('a script still running is adopted and waited for, not run a second time', async () => {
    const spec = oneshotSpec('interrupted', { up: { kind: 'argv', argv: ['/bin/sh', '-c', 'echo ran >> runs'] } });
    // The script the dead supervisor started, still running in its own session.
    const script = spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore' });
    h.trackPid(script.pid!);
    await waitUntil(() => readProcessStartTime(script.pid!) !== null, 'the script to start');
    const restore = { snapshot: { state: 'starting' as const, context: interrupted(script.pid!) }, adopt: { pid: script.pid!, startTime: readProcessStartTime(script.pid!) } };
    const actor = h.track(createServiceActor({ spec, serviceDir: h.root, sink: h.sink, restore }));
    expect(actor.status()).toMatchObject({ state: 'starting', pid: script.pid });
    expect(h.records.map((r) => r.type)).toEqual(['script.adopted']);
    process.kill(-script.pid!, 'SIGKILL');
    await h.waitState(actor, 'failed');
    expect(actor.status().error).toBe('up: outcome unknown: the supervisor died while it ran');
    expect(h.records.map((r) => r.type)).toEqual(['script.adopted', 'script.lost']);
    expect(existsSync(join(h.root, 'runs'))).toBe(false);
  });

  it('a ready oneshot stays ready', () => {
    const context = {
      name: 'done', wantedUp: true, pid: null, exitCode: 0, signal: null, paused: false,
      updownSince: 5, readySince: 5, deathTally: 0, error: null, hasDown: false, script: 'up' as const, startTime: null, outcomeUnknown: false,
    };
    const actor = h.track(createServiceActor({ spec: oneshotSpec('done'), serviceDir: h.root, sink: h.sink, restore: { snapshot: { state: 'ready', context } } }));
    expect(actor.status()).toMatchObject({ state: 'ready', readySince: 5 });
    expect(h.records).toHaveLength(0);
  });
});

describe('change ids', () => {
  it('events carry the change that asked for them until the service settles', async () => {
    const actor = start(oneshotSpec('ids'));
    actor.up(1);
    await h.waitState(actor, 'ready');
    actor.up(2); // already up: recorded with its change, nothing else happens
    actor.down(3);
    expect(h.records.map((r) => `${r.type}:${r.changeId}`)).toEqual([
      'up:1', 'script.spawned:1', 'script.exited:1', 'up:2', 'down:3',
    ]);
  });
});
