/**
 * Errors say what really happened: a live directory this user may not enter
 * is "permission denied" (exit 111), never "no compiled database" or "no such
 * file"; a missing parent of init's -l is named as such.
 *
 * Tests run as root, and root passes every permission check, so the commands
 * that must meet EACCES run as nobody (uid 65534) through setpriv.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { S6RC, s6rc, type CliResult } from '../helpers/cli.js';
import { makeLive, type TestLive } from '../helpers/supervisor.js';

const lives: TestLive[] = [];
afterEach(() => {
  while (lives.length) lives.pop()!.cleanup();
});

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const asRoot = process.getuid?.() === 0;
const canDropPrivileges = asRoot && SETPRIV !== undefined;
if (!canDropPrivileges) {
  console.log(`permissions.test.ts: EACCES cases skipped: ${asRoot ? 'no setpriv to run as another user' : 'not root, cannot run as another user'}`);
}

const env = { ...process.env, S6RC_STORE: '', S6RC_LIVE: '' };

/** `s6rc args` as nobody (uid and gid 65534, no supplementary groups). */
function asNobody(args: string[]): CliResult {
  const r = spawnSync(SETPRIV!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, S6RC, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function started(): TestLive {
  const l = makeLive({ a: { type: 'oneshot', up: '/bin/true' } });
  lives.push(l);
  // The test's directory is 0700; nobody must reach the live directory itself to be refused by it.
  chmodSync(l.root, 0o755);
  const r = l.run('init', '-c', l.compiled);
  if (r.code !== 0) throw new Error(r.stderr);
  return l;
}

describe('permission denied is reported as such (exit 111)', () => {
  it.skipIf(!canDropPrivileges)("on another user's live directory (0700), for every command that reads it", () => {
    const l = started();
    for (const args of [
      ['-l', l.live, 'list'],
      ['-l', l.live, 'change', 'a'],
      ['status', '-l', l.live],
      ['history', '-l', l.live],
      ['graph', '-l', l.live],
      ['replay', '-l', l.live],
      ['plot', '-l', l.live],
      ['db', '-l', l.live, 'list', 'all'],
    ]) {
      const r = asNobody(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(111);
      expect(r.stderr, args.join(' ')).toMatch(/^s6rc: fatal: .*EACCES: permission denied.*\n$/);
      expect(r.stderr, args.join(' ')).not.toMatch(/no compiled database|no such file|not a compiled database|no supervisor is running/);
    }
  });

  it.skipIf(!canDropPrivileges)('on a live directory with mode 000', () => {
    const l = started();
    chmodSync(l.live, 0o000);
    try {
      const r = asNobody(['-l', l.live, '-a', 'list']);
      expect(r.code).toBe(111);
      expect(r.stderr).toBe(`s6rc: fatal: unable to read live directory ${l.live}: EACCES: permission denied, access '${l.live}'\n`);
    } finally {
      chmodSync(l.live, 0o700);
    }
  });

  it.skipIf(!canDropPrivileges)('when init may not create the live directory', () => {
    const l = makeLive({ a: { type: 'oneshot', up: '/bin/true' } });
    lives.push(l);
    chmodSync(l.root, 0o755);
    const r = asNobody(['init', '-c', l.compiled, '-l', l.live]);
    expect(r.code).toBe(111);
    expect(r.stderr).toMatch(/^s6rc: fatal: unable to lock .*: EACCES: permission denied/);
  });
});

describe('init with a missing parent directory', () => {
  it('names the missing directory (exit 111)', () => {
    const l = makeLive({ a: { type: 'oneshot', up: '/bin/true' } });
    lives.push(l);
    const missing = join(l.root, 'no', 'such');
    const r = s6rc(['init', '-c', l.compiled, '-l', join(missing, 'live')], { env });
    expect(r.code).toBe(111);
    expect(r.stderr).toBe(`s6rc: fatal: unable to create ${join(missing, 'live')}: parent directory ${missing} does not exist\n`);
    expect(existsSync(join(l.root, 'no'))).toBe(false);
  });
});
