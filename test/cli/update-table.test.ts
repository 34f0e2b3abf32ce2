/**
 * s6-rc-update's rules, one case per row, each against a real supervisor:
 * (old definition, new definition, conversion line, -e?) → for each service,
 * whether it kept its pid, restarted, stopped, or stayed down
 * (reference/s6-rc-0.7/s6-rc-update.html, "Restarts").
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { isAlive, writeSource, type SourceService } from '../helpers/supervisor.js';
import { cleanupAll, oneshot, startLive, type RcLive } from './changeHelpers.js';

afterEach(cleanupAll);

const longrun = (extra: Partial<SourceService> = {}): SourceService => ({ type: 'longrun', run: 'exec sleep 1000', ...extra });
/** A oneshot that counts its up runs in `<live>/<name>.runs`. */
const counted = (name: string, extra: Partial<SourceService> = {}): SourceService => oneshot(`/bin/sh -c "echo up >> ${name}.runs"`, extra);
const essential = { files: { 'flag-essential': '' } };

/** kept: same pid (a oneshot: up, its script not run again); restarted: new pid (a oneshot: ran again); stopped: gone; down: not up. */
type Outcome = 'kept' | 'restarted' | 'stopped' | 'down' | 'up';

interface Row {
  rule: string;
  old: Record<string, SourceService>;
  /** Up before the update (default: every atomic of `old`). */
  up?: string[];
  next: Record<string, SourceService>;
  conversion?: string;
  flags?: string[];
  /** By name in the new database (a rename: the new name; stopped: the old name). */
  expect: Record<string, Outcome>;
  /** What update says on stderr (default: nothing). */
  stderr?: RegExp;
}

const ROWS: Row[] = [
  { rule: 'unchanged longrun and oneshot keep running', old: { a: longrun(), o: counted('o') }, next: { a: longrun(), o: counted('o') }, expect: { a: 'kept', o: 'kept' } },
  { rule: 'an edited run script does not restart', old: { a: longrun() }, next: { a: longrun({ run: 'exec sleep 999' }) }, expect: { a: 'kept' } },
  { rule: 'longrun → oneshot restarts', old: { a: longrun() }, next: { a: counted('a') }, expect: { a: 'restarted' } },
  { rule: 'oneshot → longrun restarts', old: { a: counted('a') }, next: { a: longrun() }, expect: { a: 'restarted' } },
  {
    rule: 'an atomic that becomes a bundle is replaced by its contents',
    old: { a: longrun() },
    next: { a: { type: 'bundle', contents: ['b', 'c'] }, b: longrun(), c: longrun() },
    expect: { a: 'stopped', b: 'up', c: 'up' },
  },
  { rule: 'a service gone is stopped', old: { a: longrun(), b: longrun() }, next: { a: longrun() }, expect: { a: 'kept', b: 'stopped' } },
  { rule: 'a new service stays down', old: { a: longrun() }, next: { a: longrun(), n: longrun() }, expect: { a: 'kept', n: 'down' } },
  { rule: 'a rename keeps the pid', old: { a: longrun() }, next: { b: longrun() }, conversion: 'a -> b', expect: { b: 'kept' } },
  { rule: 'a rename with restart restarts', old: { a: longrun() }, next: { b: longrun() }, conversion: 'a -> b restart', expect: { b: 'restarted' } },
  { rule: 'restart in the conversion file restarts', old: { a: longrun(), o: counted('o') }, next: { a: longrun(), o: counted('o') }, conversion: 'a restart\no restart', expect: { a: 'restarted', o: 'restarted' } },
  {
    rule: 'a dependency on a new service restarts, and the new service comes up',
    old: { a: longrun() },
    next: { a: longrun({ dependencies: ['n'] }), n: longrun() },
    expect: { a: 'restarted', n: 'up' },
  },
  {
    rule: 'a dependency on a service that was down restarts, and it comes up',
    old: { a: longrun(), d: longrun() },
    up: ['a'],
    next: { a: longrun({ dependencies: ['d'] }), d: longrun() },
    expect: { a: 'restarted', d: 'up' },
  },
  {
    rule: 'what depends on a restarted service restarts',
    old: { a: longrun(), b: longrun({ dependencies: ['a'] }), c: counted('c', { dependencies: ['b'] }), x: longrun() },
    next: { a: counted('a'), b: longrun({ dependencies: ['a'] }), c: counted('c', { dependencies: ['b'] }), x: longrun() },
    expect: { a: 'restarted', b: 'restarted', c: 'restarted', x: 'kept' },
  },
  {
    rule: 'what depends on a service that stops restarts, without the dependency',
    old: { a: longrun(), b: longrun({ dependencies: ['a'] }) },
    next: { b: longrun() },
    expect: { a: 'stopped', b: 'restarted' },
  },
  { rule: 'a service that was down and changed type stays down', old: { a: longrun(), b: longrun() }, up: ['a'], next: { a: longrun(), b: counted('b') }, expect: { a: 'kept', b: 'down' } },
  { rule: 'without -e, restart spares an essential service', old: { a: longrun(essential) }, next: { a: longrun(essential) }, conversion: 'a restart', expect: { a: 'kept' }, stderr: /^s6rc: warning: service a is marked as essential[^\n]*\n$/ },
  { rule: 'with -e, restart stops an essential service too', old: { a: longrun(essential) }, next: { a: longrun(essential) }, conversion: 'a restart', flags: ['-e'], expect: { a: 'restarted' } },
];

type Status = { name: string; state: string; pid: number | null };
const statuses = (l: RcLive) => new Map((JSON.parse(l.run('status', '--json').stdout) as Status[]).map((s) => [s.name, s]));
const runs = (l: RcLive, name: string) => (existsSync(join(l.live, `${name}.runs`)) ? readFileSync(join(l.live, `${name}.runs`), 'utf8').split('\n').filter(Boolean).length : 0);

function compileNew(l: RcLive, services: Record<string, SourceService>): string {
  const t = tempDir('s6rc-update-src-');
  writeSource(t.dir, services);
  const out = join(l.root, 'next');
  const r = s6rc(['compile', out, t.dir]);
  t.cleanup();
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

describe('s6rc update: one rule per row', () => {
  it.each(ROWS)('$rule', (row) => {
    const l = startLive(row.old);
    const atomics = Object.keys(row.old).filter((n) => row.old[n].type !== 'bundle');
    const up = row.up ?? atomics;
    expect(l.rc('change', ...up).code).toBe(0);
    const was = statuses(l);
    const oldName = (name: string) => (row.conversion?.match(new RegExp(`^(\\S+) -> ${name}\\b`, 'm'))?.[1] ?? name);
    const args = [...(row.flags ?? [])];
    if (row.conversion) {
      const conv = join(l.root, 'convfile');
      writeFileSync(conv, `${row.conversion}\n`);
      args.push('-f', conv);
    }
    const r = l.run('update', ...args, compileNew(l, row.next));
    if (row.stderr) expect(r.stderr).toMatch(row.stderr);
    else expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const now = statuses(l);
    for (const [name, outcome] of Object.entries(row.expect)) {
      const before = was.get(oldName(name));
      const after = now.get(name);
      const oneshot = (after ?? before)!.pid === null && (after ?? before)!.state !== 'down';
      switch (outcome) {
        case 'stopped':
          expect(after, name).toBeUndefined();
          if (before!.pid) expect(isAlive(before!.pid), name).toBe(false);
          break;
        case 'down':
          expect(after!.state, name).toBe('down');
          break;
        case 'up':
          expect(after!.state, name).toBe('ready');
          break;
        case 'kept':
          expect(after!.state, name).toBe('ready');
          if (oneshot) expect(runs(l, name), name).toBe(1);
          else expect(after!.pid, name).toBe(before!.pid);
          break;
        case 'restarted':
          expect(after!.state, name).toBe('ready');
          if (before!.pid) expect(isAlive(before!.pid), name).toBe(false);
          if (after!.pid) expect(after!.pid, name).not.toBe(before!.pid);
          else expect(runs(l, name), name).toBe(before!.pid ? 1 : 2);
          break;
      }
    }
    // The live state afterwards is consistent: every dependency of a service that is up is up.
    const live = new Set(l.up());
    for (const name of live) for (const dep of row.next[name]?.dependencies ?? []) expect(live.has(dep), `${name} → ${dep}`).toBe(true);
    expect(l.run('replay', '--verify').code).toBe(0);
  });
});
