/**
 * An oneshot's up/down whose `#!` line names execlineb compiles as s6-rc-compile
 * compiles it (lexed, the `#!` line a comment), and runs with no execlineb.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { s6rc, tempDir } from '../helpers/cli.js';
import { oneshot, writeTree } from '../helpers/sourceTree.js';
import { cleanupAll, startLive } from './changeHelpers.js';

const haveExeclineb = spawnSync('execlineb', ['-Pc', 'true']).status === 0;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  cleanupAll();
  cleanup();
});

/** A command that prints its arguments NUL-terminated, with execline's tricky parts: quotes, a block, `$@`. */
const BODY = '/usr/bin/printf "%s\\\\0" plain "a b" { in block } $@ "\\0x41"\n';

describe('an up whose #! line names execlineb', () => {
  it('is stored as the argv s6-rc stores, not as a script (db script)', () => {
    const src = writeTree(join(dir, 'src'), oneshot('x', `#!/bin/execlineb -P\n${BODY}`));
    const out = join(dir, 'compiled');
    expect(s6rc(['compile', out, src]).code).toBe(0);
    const r = s6rc(['db', '-c', out, 'script', 'x']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0')).toEqual(['/usr/bin/printf', '%s\\0', 'plain', 'a b', ' in', ' block', '', '$@', 'A', '']);
  });

  it.skipIf(!haveExeclineb)('gives the argv the real execlineb builds from the same file', () => {
    const src = writeTree(join(dir, 'src'), oneshot('x', `#!/usr/bin/execlineb -P\n${BODY}`));
    const file = join(src, 'x/up');
    chmodSync(file, 0o755);
    const out = join(dir, 'compiled');
    expect(s6rc(['compile', out, src]).code).toBe(0);
    const stored = s6rc(['db', '-c', out, 'script', 'x']).stdout.split('\0').slice(2, -1);
    // execlineb runs the file (as the kernel runs it through its #! line): printf prints the words it was given.
    const real = spawnSync(file, [], { encoding: 'utf8' });
    expect(real.status).toBe(0);
    expect(real.stdout.split('\0').slice(0, -1)).toEqual(stored);
    const lexedByExeclineb = spawnSync('execlineb', ['-P', file], { encoding: 'utf8' });
    expect(lexedByExeclineb.stdout.split('\0').slice(0, -1)).toEqual(stored);
  });

  it('runs without execlineb: the #! line names one that does not exist', () => {
    const marker = join(dir, 'ran');
    const l = startLive({
      x: { type: 'oneshot', up: `#!/nonexistent/execlineb -P\n/bin/sh -c "echo up >> ${marker}"`, down: `#!/nonexistent/execlineb -S0\n/bin/sh -c "echo down >> ${marker}"` },
    });
    const up = l.rc('-u', 'change', 'x');
    expect(up).toMatchObject({ code: 0, stderr: '' });
    const down = l.rc('-d', 'change', 'x');
    expect(down).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('up\ndown\n');
  });
});
