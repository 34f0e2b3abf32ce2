/**
 * The service directories stored in a compiled database are real s6 service
 * directories: materialised from `loadCompiled`, they run under the real
 * s6-supervise, readiness included (notification-fd, and s6-notifyoncheck
 * reading our `notifyoncheck` options). Skipped, with the reason printed,
 * where s6 is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import type { Longrun } from '../../machines/model.js';
import { writeCompiled } from '../../store/compiled/writeCompiled.js';
import { compileSources } from '../../store/source/compileSources.js';
import { longrun, scratch, writeTree } from '../helpers/sourceTree.js';

const WEBSTACK = resolve(__dirname, '../../examples/webstack');
const haveS6 = ['s6-supervise', 's6-svwait', 's6-svc', 's6-notifyoncheck'].every((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0);
if (!haveS6) console.warn('skipped: s6 (s6-supervise, s6-svwait, s6-svc, s6-notifyoncheck) is not installed (apt install s6)');

let dir: string;
let cleanup: () => void;
const supervisors: ChildProcess[] = [];

beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(async () => {
  for (const child of supervisors.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // A test that failed before stop(): kill the supervisor by pid; its service's
    // run process dies with it only if told, so take the service down first.
    if (child.spawnargs[1]) spawnSync('s6-svc', ['-dx', child.spawnargs[1]]);
    child.kill('SIGKILL');
  }
  cleanup();
});

/** Writes a longrun's stored files as a service directory. */
function materialise(service: Longrun, into: string): string {
  mkdirSync(into, { recursive: true });
  for (const f of service.files) {
    const path = join(into, f.path);
    if (f.kind === 'dir') mkdirSync(path, { recursive: true, mode: f.mode });
    else if (f.kind === 'symlink') symlinkSync(f.content.toString('utf8'), path);
    else writeFileSync(path, f.content, { mode: f.mode });
  }
  return into;
}

function supervise(serviceDir: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn('s6-supervise', [serviceDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
  supervisors.push(child);
  return child;
}

/**
 * s6-svwait -U: up and ready; exit 0 when reached. s6-svwait needs s6-supervise
 * set up first: it subscribes to event/ and then reads supervise/status (exit 111
 * if that is missing), and s6-supervise writes status only after creating its
 * control fifo, so waiting for the fifo alone races on a loaded machine.
 */
async function waitReady(serviceDir: string, ms: number): Promise<number | null> {
  await until(() => ['supervise/control', 'supervise/status', 'event'].every((p) => existsSync(join(serviceDir, p))), ms);
  return spawnSync('s6-svwait', ['-U', '-t', String(ms), serviceDir]).status;
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function stop(serviceDir: string, child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('close', r));
  spawnSync('s6-svc', ['-dx', serviceDir]);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}

describe.skipIf(!haveS6)('stored service directories under real s6', () => {
  it('runs the webstack db longrun and sees it ready through notification-fd', async () => {
    const compiled = join(dir, 'compiled');
    writeCompiled(compileSources([WEBSTACK]), compiled);
    const db = loadCompiled(compiled).services.get('db') as Longrun;
    const svc = materialise(db, join(dir, 'svc', 'db'));
    const state = join(dir, 'state');
    const child = supervise(svc, { ...process.env, WEBSTACK_STATE: state });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    expect(await waitReady(svc, 15_000)).toBe(0);
    expect(JSON.parse(readFileSync(join(state, 'db.json'), 'utf8')).openedBy).toBeGreaterThan(0);
    await until(() => output.includes('db: ready'), 20_000);
    await stop(svc, child);
    expect(output).toMatch(/db: opened .*\ndb: ready\n/);
  });

  it('works with s6-notifyoncheck reading the options stored in notifyoncheck', async () => {
    const src = writeTree(join(dir, 'src'), {
      ...longrun('checked', {
        run: { content: "#!/bin/sh\nexec s6-notifyoncheck $(cat ./notifyoncheck) sh -c 'sleep 0.3; touch ./ready-flag; exec sleep 1000'\n", mode: 0o755 },
        'notification-fd': '3\n',
        notifyoncheck: '-s 0 -w 50 -n 100\n',
        'data/check': { content: '#!/bin/sh\ntest -f ./ready-flag\n', mode: 0o755 },
      }),
    });
    const model = compileSources([src]);
    const checked = model.services.get('checked') as Longrun;
    expect(checked.notifyOnCheck).toEqual({ initialSleep: 0, globalTimeout: 0, localTimeout: 0, waitingTime: 50, tries: 100, checkProgram: ['./data/check'] });
    const svc = materialise(checked, join(dir, 'svc', 'checked'));
    const child = supervise(svc);
    const started = Date.now();
    expect(await waitReady(svc, 15_000)).toBe(0);
    // Ready only once the check passed, i.e. after the run script created the flag.
    expect(existsSync(join(svc, 'ready-flag'))).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await stop(svc, child);
  });
});
