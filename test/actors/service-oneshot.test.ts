import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor } from '../../actors/service/createServiceActor.js';
import type { Oneshot } from '../../store/compiled/model.js';
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

  it('the scripts directory goes away when the supervisor process exits', () => {
    const module = join(import.meta.dirname, '../../dist/actors/service/scriptFile.js');
    const code = `import(${JSON.stringify(module)}).then((m) => console.log(m.writeScriptFile('x', '#!/bin/sh\\n').path))`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const path = r.stdout.trim();
    expect(path).toMatch(/s6rc-scripts-/);
    expect(existsSync(dirname(path))).toBe(false);
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
  it('a script that was running when the supervisor died is reported failed, outcome unknown', () => {
    const spec = oneshotSpec('interrupted');
    const context = {
      name: 'interrupted', wantedUp: true, pid: 2 ** 22 + 77, exitCode: null, signal: null, paused: false,
      updownSince: 0, readySince: null, deathTally: 0, error: null, hasDown: false, script: 'up' as const,
    };
    const actor = h.track(createServiceActor({ spec, serviceDir: h.root, sink: h.sink, restore: { snapshot: { state: 'starting', context } } }));
    expect(actor.status()).toMatchObject({ state: 'failed', pid: null, error: 'up: outcome unknown, the supervisor restarted while it ran' });
    expect(h.records.map((r) => r.type)).toEqual(['script.lost']);
  });

  it('a ready oneshot stays ready', () => {
    const context = {
      name: 'done', wantedUp: true, pid: null, exitCode: 0, signal: null, paused: false,
      updownSince: 5, readySince: 5, deathTally: 0, error: null, hasDown: false, script: 'up' as const,
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
