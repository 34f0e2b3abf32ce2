/**
 * `s6rc db flags`, `-E`/`-e` and the long options, as s6-rc-db 0.7 has them:
 * `-e` hides essential atomics from what lists atomics (`list
 * services|oneshots|longruns`, `contents`, `dependencies`, `atomics`,
 * `all-dependencies`), never from `list all` or `list bundles`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileOrThrow, s6rc, tempDir } from '../helpers/cli.js';
import { bundle, longrun, oneshot, writeTree } from '../helpers/sourceTree.js';

const ESSENTIAL = { 'flag-essential': '' };

let t: ReturnType<typeof tempDir>;
let compiled: string;

beforeAll(() => {
  t = tempDir('s6rc-db-essentials-');
  const src = writeTree(join(t.dir, 'src'), {
    ...oneshot('mount', '/bin/true\n', ESSENTIAL),
    // clock is essential through its bundle core.
    ...oneshot('clock'),
    ...bundle('core', ['clock'], ESSENTIAL),
    ...oneshot('setup', '/bin/true\n', { dependencies: 'mount\nclock\n' }),
    ...longrun('syslog', ESSENTIAL),
    ...longrun('web', { dependencies: 'setup\nsyslog\n' }),
    ...bundle('base', ['mount', 'setup', 'syslog', 'core']),
    ...bundle('apps', ['web']),
  });
  compiled = compileOrThrow(join(t.dir, 'compiled'), src);
});
afterAll(() => t?.cleanup());

const db = (...args: string[]) => s6rc(['db', '-c', compiled, ...args]);
const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });

describe('db flags', () => {
  it.each([
    ['mount', '00000001\n'],
    ['clock', '00000001\n'],
    ['syslog', '00000001\n'],
    ['setup', '00000000\n'],
    ['web', '00000000\n'],
  ])('%s: %j', (name, stdout) => {
    expect(db('flags', name)).toEqual(ok(stdout));
    // -e hides nothing from flags.
    expect(db('-e', 'flags', name)).toEqual(ok(stdout));
  });

  it('a bundle: exit 5', () => {
    expect(db('flags', 'core')).toEqual({ code: 5, stdout: '', stderr: 's6rc: fatal: core is a bundle, not an atomic service\n' });
  });
});

describe('db -E (default) and -e', () => {
  it.each([
    // [args, with essentials (default and -E), without (-e)]
    [['list', 'services'], 'clock\nmount\nsetup\nsyslog\nweb\n', 'setup\nweb\n'],
    [['list', 'oneshots'], 'clock\nmount\nsetup\n', 'setup\n'],
    [['list', 'longruns'], 'syslog\nweb\n', 'web\n'],
    [['contents', 'base'], 'clock\nmount\nsetup\nsyslog\n', 'setup\n'],
    [['contents', 'core'], 'clock\n', ''],
    [['dependencies', 'web'], 'setup\nsyslog\n', 'setup\n'],
    [['dependencies', 'setup'], 'clock\nmount\n', ''],
    [['-d', 'dependencies', 'mount'], 'setup\n', 'setup\n'],
    [['atomics', 'base', 'apps'], 'clock\nmount\nsetup\nsyslog\nweb\n', 'setup\nweb\n'],
    [['all-dependencies', 'web'], 'clock\nmount\nsetup\nsyslog\nweb\n', 'setup\nweb\n'],
    [['-d', 'all-dependencies', 'mount'], 'mount\nsetup\nweb\n', 'setup\nweb\n'],
    // Not filtered, as in s6-rc-db: list all and list bundles list every name.
    [['list', 'all'], 'apps\nbase\nclock\ncore\nmount\nsetup\nsyslog\nweb\n', 'apps\nbase\nclock\ncore\nmount\nsetup\nsyslog\nweb\n'],
    [['list', 'bundles'], 'apps\nbase\ncore\n', 'apps\nbase\ncore\n'],
    [['type', 'mount'], 'oneshot\n', 'oneshot\n'],
    [['timeout', 'syslog'], '0\n', '0\n'],
  ])('db %j', (args, withEssentials, withoutEssentials) => {
    expect(db(...args)).toEqual(ok(withEssentials));
    expect(db('-E', ...args)).toEqual(ok(withEssentials));
    expect(db('-e', ...args)).toEqual(ok(withoutEssentials));
  });

  it('the last of -E and -e wins; either may follow the subcommand', () => {
    expect(db('-eE', 'list', 'services')).toEqual(ok('clock\nmount\nsetup\nsyslog\nweb\n'));
    expect(db('-Ee', 'list', 'services')).toEqual(ok('setup\nweb\n'));
    expect(db('atomics', '-e', 'base')).toEqual(ok('setup\n'));
  });
});

describe('db long options (s6-rc-db names)', () => {
  it('--compiled, --without-essentials, --with-essentials', () => {
    expect(s6rc(['db', '--compiled', compiled, '--without-essentials', 'list', 'longruns'])).toEqual(ok('web\n'));
    expect(s6rc(['db', `--compiled=${compiled}`, '--with-essentials', 'list', 'longruns'])).toEqual(ok('syslog\nweb\n'));
  });

  it('--up and --down', () => {
    expect(db('--down', 'dependencies', 'mount')).toEqual(ok('setup\n'));
    expect(db('--down', '--up', 'dependencies', 'setup')).toEqual(ok('clock\nmount\n'));
  });

  it('--livedir and --block', () => {
    const live = join(t.dir, 'live');
    mkdirSync(live);
    copyFileSync(compiled, join(live, 'compiled'));
    expect(s6rc(['db', '--livedir', live, '--block', 'type', 'web'])).toEqual(ok('longrun\n'));
  });

  it('help shows them and [-E|-e]', () => {
    const r = s6rc(['db', 'help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: s6rc db [-l live] [-c compiled] [-b] [-u|-d] [-E|-e] ');
    for (const long of ['--livedir', '--compiled', '--block', '--up', '--down', '--with-essentials', '--without-essentials']) expect(r.stdout).toContain(long);
  });
});
