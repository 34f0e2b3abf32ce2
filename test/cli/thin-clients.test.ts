import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { S6RC } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';

const TRACE = resolve(__dirname, '../fixtures/trace-imports.mjs');
const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

/** Every module URL the command resolved, as seen by an ESM resolve hook. */
function importsOf(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', TRACE, S6RC, ...args], { encoding: 'utf8', timeout: 30_000 });
  return r.stderr.split('\n').filter((l) => l.startsWith('TRACE-IMPORT ')).map((l) => l.slice(13));
}

describe('thin clients', () => {
  it('status, wait, svc and shutdown load neither xstate, better-sqlite3 nor rxjs', () => {
    const l = makeLive({ a: { type: 'longrun', run: 'exec sleep 1000' } });
    lives.push(l);
    expect(l.run('init', '-c', l.compiled).code).toBe(0);
    for (const args of [
      ['status', '-l', l.live],
      ['wait', '-l', l.live, '-d', 'a'],
      ['svc', '-l', l.live, '-u', '-wu', 'a'],
      ['shutdown', '-l', l.live],
    ]) {
      const urls = importsOf(args);
      expect(urls.some((u) => u.includes('/dist/cli/client.js')), `${args[0]} traced`).toBe(true);
      expect(urls.filter((u) => /xstate|better-sqlite3|rxjs|\/actors\/|\/store\//.test(u)), args[0]).toEqual([]);
    }
  });
});
