/** The s6-rc subcommands are thin clients: they never load xstate, better-sqlite3 or rxjs. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { S6RC } from '../helpers/cli.js';
import { cleanupAll, notifying, oneshot, startLive } from './changeHelpers.js';

afterEach(cleanupAll);

it('list, listall, diff, change, -n0 change and reconcile load no heavy module', () => {
  const l = startLive({ a: oneshot('/bin/true'), b: notifying({ dependencies: ['a'] }) });
  // A module resolution hook that reports every module the client loads.
  const hooks = join(l.root, 'hooks.mjs');
  writeFileSync(hooks, "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n");
  const register = join(l.root, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify('file://' + hooks)});\n`);
  for (const args of [['-a', 'list'], ['listall', 'b'], ['diff'], ['-v2', 'change', 'b'], ['-n0', '-d', 'change', 'a'], ['reconcile']]) {
    const full = args[0] === 'reconcile' ? ['reconcile', '-l', l.live] : ['-l', l.live, ...args];
    const r = spawnSync(process.execPath, ['--import', register, S6RC, ...full], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const loaded = r.stderr.split('\n').filter((x) => x.startsWith('LOADED '));
    expect(loaded.some((x) => x.includes('/cli/'))).toBe(true);
    expect(loaded.filter((x) => /node_modules|\/machines\/|\/actors\/|\/store\//.test(x))).toEqual([]);
  }
});
