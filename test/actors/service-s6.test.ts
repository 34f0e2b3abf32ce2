/**
 * Interoperability with real s6 tools in run scripts (skipped, with the
 * reason printed, when s6 is not installed): s6-notifyoncheck only needs the
 * notification-fd pipe and ./data/check, both of which the actor provides.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServiceActor } from '../../actors/service/createServiceActor.js';
import { processesUnder } from '../helpers/supervisor.js';
import { dataFile, FIXTURES, Harness, isAlive, longrunSpec, materialise, readData, waitUntil } from '../fixtures/services.js';

const NOTIFYONCHECK = ['/usr/bin/s6-notifyoncheck', '/bin/s6-notifyoncheck', '/usr/local/bin/s6-notifyoncheck'].find(existsSync);
if (!NOTIFYONCHECK) console.log('skipping s6 interop tests: s6-notifyoncheck is not installed');

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

describe.skipIf(!NOTIFYONCHECK)('real s6-notifyoncheck in a run script', () => {
  it('becomes ready when data/check succeeds', async () => {
    const spec = longrunSpec('s6check', {
      notificationFd: 3,
      files: [
        { path: 'run', kind: 'file', mode: 0o755, content: Buffer.from(`#!/bin/sh\nexec ${NOTIFYONCHECK} -s 10 -w 50 -n 0 sleep 100000\n`) },
        { path: 'notification-fd', kind: 'file', mode: 0o644, content: Buffer.from('3\n') },
      ],
    });
    const dir = materialise(h.root, spec);
    copyFileSync(join(FIXTURES, 'check.sh'), join(dir, 'data', 'check'));
    const actor = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    actor.up();
    await h.waitState(actor, 'up-unready');
    const pid = actor.status().pid!;
    await waitUntil(() => readData(dir, 'checks').split('\n').length > 2, 's6-notifyoncheck to poll data/check');
    expect(actor.status().state).toBe('up-unready');
    dataFile(dir, 'healthy');
    await h.waitState(actor, 'ready');
    expect(actor.status().pid).toBe(pid); // s6-notifyoncheck exec'd into the daemon
    expect(isAlive(pid)).toBe(true);
    actor.down();
    await h.waitState(actor, 'down');
    expect(isAlive(pid)).toBe(false);
  });

  it("stops s6-notifyoncheck's polling when the service goes down (the 'd' event in ./event)", async () => {
    const spec = longrunSpec('s6down', {
      notificationFd: 3,
      files: [
        { path: 'run', kind: 'file', mode: 0o755, content: Buffer.from(`#!/bin/sh\nexec ${NOTIFYONCHECK} -s 10 -w 50 -n 0 sleep 100000\n`) },
        { path: 'notification-fd', kind: 'file', mode: 0o644, content: Buffer.from('3\n') },
      ],
    });
    const dir = materialise(h.root, spec);
    copyFileSync(join(FIXTURES, 'check.sh'), join(dir, 'data', 'check'));
    const actor = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    actor.up();
    await waitUntil(() => readData(dir, 'checks').split('\n').length > 2, 's6-notifyoncheck to poll data/check');
    expect(pollers(dir).length).toBeGreaterThan(0);
    actor.down();
    await h.waitState(actor, 'down');
    // The poller (s6-notifyoncheck's forked child, same argv) and any check it ran work in the
    // service directory: it stopped polling once none is left. A fixed grace period raced the 'd' event under load.
    // No poller and no check left: nothing can poll any more.
    await waitUntil(() => pollers(dir).length === 0, 's6-notifyoncheck poller to exit');
  });
});

/** s6-notifyoncheck pollers and the checks they run, working in `dir`. */
function pollers(dir: string): number[] {
  return processesUnder(dir).filter((pid) => {
    try {
      return /s6-notifyoncheck|check/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

const SETLOCK = ['/usr/bin/s6-setlock', '/bin/s6-setlock', '/usr/local/bin/s6-setlock'].find(existsSync);
if (!SETLOCK) console.log('skipping lock-fd tests: s6-setlock is not installed');

describe.skipIf(!SETLOCK)('lock-fd (held through s6-setlock)', () => {
  it('run gets the lock on fd N; a second instance waits until the first is gone', async () => {
    const spec = longrunSpec('locked', { lockFd: 7 });
    const dir = materialise(h.root, spec);
    dataFile(dir, 'lock-fd', '7');
    const first = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    first.up();
    await h.waitState(first, 'ready');
    const pid = first.status().pid!;
    await waitUntil(() => readData(dir, 'lock-fd-open').includes(String(pid)), 'run to see fd 7 open');
    // A supervisor that lost track of the first run (crash) starts another one: it must wait.
    first.dispose();
    const second = h.track(createServiceActor({ spec, serviceDir: dir, sink: h.sink }), dir);
    second.up();
    await h.waitState(second, 'ready');
    const secondPid = second.status().pid!;
    // Still s6-setlock, waiting for the lock: it execs run only once it holds it.
    expect(readFileSync(`/proc/${secondPid}/cmdline`, 'utf8')).toMatch(/s6-setlock/);
    expect(readData(dir, 'spawns')).not.toContain(String(secondPid));
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => readData(dir, 'spawns').includes(String(secondPid)), 'the second run to start once the lock is free');
    expect(isAlive(secondPid)).toBe(true);
  });
});
