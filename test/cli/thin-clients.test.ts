import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { s6rcTraced } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

const importsOf = (args: string[]) => s6rcTraced(args).loaded;

describe('thin clients', () => {
  it('status (also as -l live status), wait, svc and shutdown load neither xstate, better-sqlite3 nor rxjs', () => {
    const l = makeLive({ a: { type: 'longrun', run: 'exec sleep 1000' } });
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    for (const args of [
      ['status', '-l', l.live],
      ['-l', l.live, 'status'],
      ['wait', '-l', l.live, '-d', 'a'],
      ['svc', '--livedir', l.live, '-u', '-wu', 'a'],
      ['shutdown', '-l', l.live],
    ]) {
      const urls = importsOf(args);
      expect(urls.some((u) => u.endsWith('/dist/thin.cjs')), `${args.join(' ')} traced`).toBe(true);
      expect(urls.filter((u) => /xstate|better-sqlite3|rxjs|\/actors\/|\/store\/|\/dist\/cli\//.test(u)), args.join(' ')).toEqual([]);
    }
  });

  it('the thin bundle holds only cli/ and protocol/ modules (and the exit codes) and leaves xstate, rxjs and better-sqlite3 outside it', () => {
    const bundle = readFileSync(resolve(__dirname, '../../dist/thin.cjs'), 'utf8');
    const modules = [...new Set(bundle.match(/^\/\/ (\S+\.js)$/gm) ?? [])].map((m) => m.slice(3));
    expect(modules.length).toBeGreaterThan(5);
    const shared = (m: string) => m.startsWith('dist/cli/') || m.startsWith('dist/protocol/') || m === 'dist/machines/errors.js';
    expect(modules.filter((m) => !shared(m))).toEqual([]);
    expect(modules).toContain('dist/cli/client.js');
  });

  it('compile and db run from their own bundle, which holds no supervisor code and loads neither xstate nor rxjs', () => {
    const l = makeLive({ a: { type: 'longrun', run: 'exec sleep 1000' } });
    lives.push(l);
    for (const args of [['db', '-c', l.compiled, 'type', 'a'], ['compile', `${l.compiled}.again`, `${l.root}/source`]]) {
      const urls = importsOf(args);
      expect(urls.some((u) => u.endsWith('/dist/tools.cjs')), `${args[0]} traced`).toBe(true);
      expect(urls.some((u) => u.endsWith('/dist/thin.cjs')), args[0]).toBe(false);
      // machines/errors.js (the exit codes every layer shares) is the only machines/ module they may hold.
      expect(urls.filter((u) => /xstate|rxjs|\/actors\/|\/machines\/(?!errors\.js)|\/dist\/cli\//.test(u)), args[0]).toEqual([]);
      expect(urls.some((u) => u.includes('better-sqlite3')), `${args[0]} opens SQLite`).toBe(true);
    }
    const bundle = readFileSync(resolve(__dirname, '../../dist/tools.cjs'), 'utf8');
    const modules = [...new Set(bundle.match(/^\/\/ (\S+\.js)$/gm) ?? [])].map((m) => m.slice(3));
    expect(modules).toContain('dist/cli/compile.js');
    // protocol/ holds what clients share (db finds the default live directory there), no supervisor code.
    const shared = (m: string) => m.startsWith('dist/cli/') || m.startsWith('dist/store/') || m.startsWith('dist/protocol/') || m === 'dist/machines/errors.js';
    expect(modules.filter((m) => !shared(m) && !m.startsWith('node_modules/better-sqlite3/lib/'))).toEqual([]);
    // better-sqlite3's JavaScript is in the bundle; its native addon is not (it loads from node_modules).
    expect(modules).toContain('node_modules/better-sqlite3/lib/database.js');
  });

  it('everything else still goes through the ES modules of dist/cli/', () => {
    const urls = importsOf(['history', '--help']);
    expect(urls.some((u) => u.endsWith('/dist/thin.cjs'))).toBe(true);
    expect(urls.some((u) => u.includes('/dist/cli/history.js'))).toBe(true);
  });
});
