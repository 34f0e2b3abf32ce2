/**
 * `-l live` may come before any subcommand (`s6rc -l /run/x status`), as it
 * does before `change`; given both before and after the word, the later one
 * wins, as getopt's later option does.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

const env = { ...process.env, S6RC_STORE: '', S6RC_LIVE: '' };

function started(): TestLive {
  const l = makeLive({ a: { type: 'oneshot', up: '/bin/true' } });
  lives.push(l);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

describe('-l before any subcommand', () => {
  it('status, history, wait, db, graph, replay and reconcile accept it', () => {
    const l = started();
    expect(s6rc(['-l', l.live, 'change', 'a'], { env }).code).toBe(0);
    for (const args of [['status'], ['history', '--changes'], ['wait', '-u', 'a'], ['db', 'type', 'a'], ['graph', '--format', 'json'], ['replay'], ['reconcile']]) {
      const r = s6rc(['-l', l.live, ...args], { env });
      expect(r.stderr, args.join(' ')).not.toMatch(/unknown subcommand|fatal/);
      expect(r.code, args.join(' ')).toBe(0);
    }
    expect(s6rc(['-l', l.live, 'status'], { env }).stdout).toMatch(/^a: /);
    expect(s6rc([`-l${l.live}`, 'history', '--changes'], { env }).code).toBe(0);
  });

  it('the later -l wins, before or after the subcommand word', () => {
    const l = started();
    const nowhere = join(l.root, 'nowhere');
    expect(s6rc(['-l', nowhere, 'status', '-l', l.live], { env }).code).toBe(0);
    const later = s6rc(['-l', l.live, 'status', '-l', nowhere], { env });
    expect(later.code).toBe(111);
    expect(later.stderr).toContain(nowhere);
    expect(s6rc(['-l', nowhere, 'list', '-l', l.live, 'a'], { env }).code).toBe(0);
    expect(s6rc(['-l', nowhere, 'history', '-l', l.live], { env }).code).toBe(0);
  });

  it('other s6-rc options before a suite subcommand, or -l before one without it, are usage errors', () => {
    const b = s6rc(['-b', 'status']);
    expect(b.code).toBe(100);
    expect(b.stderr).toMatch(/^s6rc: fatal: option -b applies to the s6-rc subcommands .*, not to status \(usage: s6rc status .*\)\n$/);
    const c = s6rc(['-l', '/tmp', 'compile', 'x', 'y']);
    expect(c.code).toBe(100);
    expect(c.stderr).toMatch(/^s6rc compile: fatal: option -l does not apply to compile/);
  });
});
