import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { S6RC, s6rc, tempDir } from '../helpers/cli.js';
import { forgeCounter } from '../helpers/forgeHeader.js';
import { oneshot, writeTree } from '../helpers/sourceTree.js';

const WEBSTACK = resolve(__dirname, '../../examples/webstack');

let dir: string;
let cleanup: () => void;
let compiled: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  const src = writeTree(join(dir, 'extra'), {
    ...oneshot('hello', '#!/bin/sh\necho hello\n'),
    ...oneshot('nodown', 'foreground { echo "a b" } echo c\n'),
  });
  compiled = join(dir, 'compiled');
  const r = s6rc(['compile', compiled, WEBSTACK, src]);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => cleanup());


const db = (...args: string[]) => s6rc(['db', '-c', compiled, ...args]);
const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });

describe('s6rc db queries (s6-rc-db output)', () => {
  it.each([
    [['list', 'all'], 'api\napi-log\napi-pipeline\nbackend\ndb\ndefault\nhello\nmigrate\nnodown\n'],
    [['list', 'services'], 'api\napi-log\ndb\nhello\nmigrate\nnodown\n'],
    [['list', 'oneshots'], 'hello\nmigrate\nnodown\n'],
    [['list', 'longruns'], 'api\napi-log\ndb\n'],
    [['list', 'bundles'], 'api-pipeline\nbackend\ndefault\n'],
    [['type', 'db'], 'longrun\n'],
    [['type', 'migrate'], 'oneshot\n'],
    [['type', 'default'], 'bundle\n'],
    [['timeout', 'db'], '10000\n'],
    [['-u', 'timeout', 'migrate'], '10000\n'],
    [['-d', 'timeout', 'migrate'], '0\n'],
    [['contents', 'default'], 'api\napi-log\ndb\nmigrate\n'],
    [['contents', 'api-pipeline'], 'api\napi-log\n'],
    [['dependencies', 'api'], 'api-log\nmigrate\n'],
    [['dependencies', 'db'], ''],
    [['-d', 'dependencies', 'db'], 'migrate\n'],
    [['dependencies', '-d', 'migrate'], 'api\n'],
    [['dependencies', 'api-pipeline'], 'api-log\nmigrate\n'],
    [['pipeline', 'api'], 'api/api-log\n'],
    [['pipeline', 'api-log'], 'api/api-log\n'],
    [['pipeline', 'db'], 'db\n'],
    [['flags', 'db'], '00000001\n'],
    [['flags', 'api'], '00000000\n'],
    [['atomics', 'backend', 'hello'], 'api\napi-log\ndb\nhello\nmigrate\n'],
    [['all-dependencies', 'api'], 'api\napi-log\ndb\nmigrate\n'],
    [['-u', 'all-dependencies', 'migrate', 'hello'], 'db\nhello\nmigrate\n'],
    [['-d', 'all-dependencies', 'db'], 'api\ndb\nmigrate\n'],
    [['-d', 'all-dependencies', 'api-log'], 'api\napi-log\n'],
  ])('db %j', (args, stdout) => {
    expect(db(...args)).toEqual(ok(stdout));
  });

  it('prints an argv NUL-terminated, as s6-rc-db does', () => {
    expect(db('script', 'nodown')).toEqual(ok('foreground\0 echo\0 a b\0\0echo\0c\0'));
    const migrate = db('-u', 'script', 'migrate').stdout.split('\0');
    expect(migrate.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(migrate[2]).toContain("echo 'migrate: applied 001_create_users'");
    expect(migrate[3]).toBe('');
  });

  it('prints a #! script as written and nothing for an absent down', () => {
    expect(db('script', 'hello')).toEqual(ok('#!/bin/sh\necho hello\n'));
    expect(db('-d', 'script', 'nodown')).toEqual(ok(''));
  });

  it('check is silent on a good database', () => {
    expect(db('check')).toEqual(ok(''));
  });

  it('help prints the subcommands', () => {
    const r = s6rc(['db', 'help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('all-dependencies');
    expect(r.stdout).toContain('usage: s6rc db');
  });

  it('-b is accepted (nothing to lock)', () => {
    expect(s6rc(['db', '-b', '-c', compiled, 'type', 'db'])).toEqual(ok('longrun\n'));
  });
});

describe('s6rc db errors', () => {
  it.each([
    [['type', 'ghost'], 3, 'unknown service name: ghost'],
    [['atomics', 'db', 'ghost'], 3, 'unknown service name: ghost'],
    [['contents', 'db'], 5, 'db is a longrun, not a bundle'],
    [['timeout', 'default'], 5, 'default is a bundle, not an atomic service'],
    [['pipeline', 'migrate'], 5, 'migrate is a oneshot, not a longrun'],
    [['script', 'api'], 5, 'api is a longrun, not a oneshot'],
    [['flags', 'backend'], 5, 'backend is a bundle, not an atomic service'],
  ])('db %j exits %i', (args, code, message) => {
    expect(db(...args)).toEqual({ code, stdout: '', stderr: `s6rc: fatal: ${message}\n` });
  });

  it.each([
    [[], 'missing subcommand'],
    [['frobnicate'], 'unknown subcommand frobnicate'],
    [['list'], 'list expects one of all|services|oneshots|longruns|bundles'],
    [['list', 'everything'], 'list expects one of all|services|oneshots|longruns|bundles'],
    [['type'], 'type expects one service name'],
    [['type', 'a', 'b'], 'type expects one service name'],
    [['atomics'], 'atomics expects service names'],
    [['check', 'extra'], 'check takes no argument'],
    [['-z', 'type', 'db'], 'unknown option -z'],
  ])('usage error %j exits 100', (args, problem) => {
    const r = db(...args);
    expect(r.code).toBe(100);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: ${problem.replace(/[|]/g, '\\|')} \\(usage: s6rc db `));
  });

  it('a missing -c database exits 111', () => {
    const r = s6rc(['db', '-c', join(dir, 'nope'), 'type', 'db']);
    expect(r.code).toBe(111);
    expect(r.stderr).toBe(`s6rc: fatal: unable to open compiled database ${join(dir, 'nope')}: ENOENT: no such file or directory, open '${join(dir, 'nope')}'\n`);
  });

  it('-l without a compiled database exits 4 and says what to do', () => {
    const live = join(dir, 'live-empty');
    mkdirSync(live);
    expect(s6rc(['db', '-l', live, 'type', 'db'])).toEqual({
      code: 4,
      stdout: '',
      stderr: `s6rc: fatal: live directory ${live} has no compiled database (run s6rc init, or use -c)\n`,
    });
  });

  it('-l reads <live>/compiled; -c wins over -l', () => {
    const live = join(dir, 'live');
    mkdirSync(live);
    copyFileSync(compiled, join(live, 'compiled'));
    expect(s6rc(['db', '-l', live, 'type', 'api'])).toEqual(ok('longrun\n'));
    expect(s6rc(['db', '-l', join(dir, 'live-nowhere'), '-c', compiled, 'type', 'api'])).toEqual(ok('longrun\n'));
  });

  it('without -l or -c uses $S6RC_LIVE/compiled', () => {
    const live = join(dir, 'live-env');
    mkdirSync(live);
    copyFileSync(compiled, join(live, 'compiled'));
    expect(s6rc(['db', 'type', 'db'], { env: { ...process.env, S6RC_LIVE: live } })).toEqual(ok('longrun\n'));
  });

  it('a tampered database exits 4 for every command, db check included', () => {
    const bad = join(dir, 'tampered');
    copyFileSync(compiled, bad);
    const sql = new Database(bad);
    sql.exec("UPDATE services SET timeout_up = 1 WHERE name = 'db'");
    sql.close();
    const message = `s6rc: fatal: invalid compiled database ${bad}: the database was modified after compilation\n`;
    for (const args of [['check'], ['type', 'db'], ['list', 'all'], ['all-dependencies', 'api']]) {
      expect(s6rc(['db', '-c', bad, ...args])).toEqual({ code: 4, stdout: '', stderr: message });
    }
  });

  it('db check catches an edit that bypassed SQLite (forged header) by the checksum', () => {
    const bad = join(dir, 'forged');
    copyFileSync(compiled, bad);
    const sql = new Database(bad);
    sql.exec("UPDATE services SET essential = 1 WHERE name = 'api'");
    sql.close();
    forgeCounter(bad);
    expect(s6rc(['db', '-c', bad, 'check'])).toEqual({ code: 4, stdout: '', stderr: `s6rc: fatal: invalid compiled database ${bad}: checksum mismatch: the database was modified after compilation\n` });
  });

  it('a modified service file is caught by db check (exit 4)', () => {
    const bad = join(dir, 'file-tampered');
    copyFileSync(compiled, bad);
    const sql = new Database(bad);
    sql.exec("UPDATE files SET content = CAST('#!/bin/sh\nexit 1\n' AS BLOB) WHERE path = 'run'");
    sql.close();
    forgeCounter(bad);
    expect(s6rc(['db', '-c', bad, 'check'])).toEqual({ code: 4, stdout: '', stderr: `s6rc: fatal: invalid compiled database ${bad}: content of service file run does not match its sha256\n` });
  });

  it('a truncated database exits 4 with one line', () => {
    const bad = join(dir, 'truncated');
    copyFileSync(compiled, bad);
    truncateSync(bad, Math.floor(statSync(bad).size / 3));
    for (const args of [['check'], ['type', 'db']]) {
      const r = s6rc(['db', '-c', bad, ...args]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(new RegExp(`^s6rc: fatal: invalid compiled database ${bad}: .+\\n$`));
    }
  });
});

describe('output through a slow pipe', () => {
  /**
   * `s6rc args` with its stdout (and, with `both`, its stderr) piped into a reader that starts after
   * 300 ms; its exit code follows its output down the pipe, as a last line.
   */
  function slowly(args: string[], both = false): { code: number; stdout: string } {
    const script = `{ "$0" "$@" ${both ? '2>&1' : ''}; echo "exit $?"; } | (sleep 0.3; cat)`;
    const r = spawnSync('/bin/sh', ['-c', script, process.execPath, S6RC, ...args], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 << 20 });
    const m = /^([^]*)exit (\d+)\n$/.exec(r.stdout);
    if (!m) throw new Error(`no exit line: ${r.stdout.slice(-200)} ${r.stderr}`);
    return { code: Number(m[2]), stdout: m[1] };
  }

  it('loses nothing: compile -v3 and db list print more than a pipe holds', () => {
    // 800 services with 240-character names: ~200 KB of `list all` and of compile's progress lines.
    const names = Array.from({ length: 800 }, (_, i) => `${'n'.repeat(240)}${String(i).padStart(3, '0')}`);
    const src = writeTree(join(dir, 'long-names'), Object.assign({}, ...names.map((n) => oneshot(n))));
    const big = join(dir, 'long-names.compiled');
    const compiled = slowly(['compile', '-v3', big, src], true);
    expect(compiled.code).toBe(0);
    expect(compiled.stdout.split('\n').filter((l) => l.startsWith('s6rc compile: info: parsing ')).length).toBe(801);
    expect(compiled.stdout.endsWith(`s6rc compile: info: wrote ${big}\n`)).toBe(true);
    expect(slowly(['db', '-c', big, 'list', 'all'])).toEqual({ code: 0, stdout: names.join('\n') + '\n' });
  });
});
