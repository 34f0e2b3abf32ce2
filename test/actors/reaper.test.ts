/**
 * The reaper (actors/supervisor/reaper.ts, native/reaper.c) never takes an
 * exit status someone waits for: children of Node's child_process and of the
 * native spawner report their own exit codes while orphans die around them
 * and are reaped. It runs in a node process of its own (it makes that process
 * a child subreaper and listens for SIGCHLD), from the built dist/.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = resolve(__dirname, '../../dist/actors');

const SCRIPT = `
import { spawn } from 'node:child_process';
import { startReaper } from '${DIST}/supervisor/reaper.js';
import { spawnProcess } from '${DIST}/service/spawnProcess.js';
import { nativeSpawner } from '${DIST}/service/posixSpawn.js';

const reaper = startReaper({ subreaper: true, warn: (text) => { console.log(JSON.stringify({ warning: text })); process.exit(0); } });
const N = 40;
const results = [];
let pending = 0;
let orphansSeen = 0;
const done = () => {
  if (--pending > 0) return;
  // The orphans (sleep 0.0x) are dying now: leave them time, then none may be left a zombie.
  setTimeout(() => {
    const zombies = reaper.strays().filter((s) => s.state === 'Z').map((s) => s.pid);
    console.log(JSON.stringify({ native: nativeSpawner() !== null, results, zombies, orphansSeen }));
    process.exit(0);
  }, 600);
};
for (let i = 0; i < N; i++) {
  // Each child leaves an orphan that dies a few ms later, around the other children's exits.
  const script = '(sleep 0.0' + (i % 10) + ' &); exit ' + i;
  pending += 2;
  spawnProcess('/bin/sh', ['-c', script], { cwd: '/', stdio: 'ignore' }, {
    onExit: (code, signal) => { results.push(['native', i, code, signal]); done(); },
  });
  const child = spawn('/bin/sh', ['-c', script.replace(/exit .*/, 'exit ' + (100 + i))], { stdio: 'ignore' });
  child.on('exit', (code, signal) => { results.push(['child_process', i, code, signal]); done(); });
}
const sampler = setInterval(() => { orphansSeen = Math.max(orphansSeen, reaper.strays().length); }, 2);
sampler.unref();
setTimeout(() => { console.log(JSON.stringify({ stuck: results.length })); process.exit(1); }, 20000).unref();
`;

describe('the reaper', () => {
  it('reaps orphans and never steals the exit status of a child that child_process or the native spawner waits for', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      warning?: string;
      native: boolean;
      results: [string, number, number | null, string | null][];
      zombies: number[];
      orphansSeen: number;
    };
    if (out.warning) {
      console.log(`reaper.test.ts: skipped: ${out.warning}`);
      return;
    }
    expect(out.results.length).toBe(80);
    for (const [kind, i, code, signal] of out.results) {
      expect({ kind, i, code, signal }).toEqual({ kind, i, code: kind === 'native' ? i : 100 + i, signal: null });
    }
    // Orphans did come to this process (a subreaper), and none is left a zombie.
    expect(out.orphansSeen).toBeGreaterThan(0);
    expect(out.zombies).toEqual([]);
  });
});
