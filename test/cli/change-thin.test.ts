/** The s6-rc subcommands are thin clients: they never load xstate, better-sqlite3 or rxjs. */
import { afterEach, expect, it } from 'vitest';
import { s6rcTraced } from '../helpers/cli.js';
import { cleanupAll, notifying, oneshot, startLive } from './changeHelpers.js';

afterEach(cleanupAll);

it('list, listall, diff, change, -n0 change and reconcile load no heavy module', () => {
  const l = startLive({ a: oneshot('/bin/true'), b: notifying({ dependencies: ['a'] }) });
  for (const args of [['-a', 'list'], ['listall', 'b'], ['diff'], ['-v2', 'change', 'b'], ['-n0', '-d', 'change', 'a'], ['reconcile']]) {
    const full = args[0] === 'reconcile' ? ['reconcile', '-l', l.live] : ['-l', l.live, ...args];
    const r = s6rcTraced(full);
    expect(r.code, r.stderr).toBe(0);
    // The s6-rc subcommands run from the thin bundle; reconcile from the ES modules of dist/cli/.
    const entry = args[0] === 'reconcile' ? '/dist/cli/reconcile.js' : '/dist/thin.cjs';
    expect(r.loaded.some((x) => x.endsWith(entry)), `${args.join(' ')} loaded ${entry}`).toBe(true);
    // machines/errors.js (the exit codes every layer shares) is the only machines/ module they load.
    expect(r.loaded.filter((x) => /node_modules|\/machines\/(?!errors\.js)|\/actors\/|\/store\//.test(x))).toEqual([]);
  }
});
