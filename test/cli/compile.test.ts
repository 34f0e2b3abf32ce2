import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S6RC, s6rc, tempDir } from '../helpers/cli.js';
import { longrun, oneshot, writeTree } from '../helpers/sourceTree.js';

const WEBSTACK = resolve(__dirname, '../../examples/webstack');
const MAXRSS = resolve(__dirname, '../fixtures/report-maxrss.cjs');

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('s6rc compile', () => {
  it('compiles the webstack example silently and the result answers db queries', () => {
    const out = join(dir, 'compiled');
    const r = s6rc(['compile', out, WEBSTACK]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(s6rc(['db', '-c', out, 'list', 'bundles']).stdout).toBe('api-pipeline\nbackend\ndefault\n');
  });

  it('prints info lines at -v2 (clustered -v2 works)', () => {
    const out = join(dir, 'compiled');
    const r = s6rc(['compile', '-v2', out, WEBSTACK]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      [
        `s6rc compile: info: parsing ${WEBSTACK}`,
        's6rc compile: info: resolved 4 atomic services, 3 bundles, 1 pipelines',
        `s6rc compile: info: wrote ${out}`,
        '',
      ].join('\n'),
    );
  });

  it('takes several source directories', () => {
    const a = writeTree(join(dir, 'a'), oneshot('one'));
    const b = writeTree(join(dir, 'b'), oneshot('two', '/bin/true\n', { dependencies: 'one\n' }));
    const out = join(dir, 'compiled');
    expect(s6rc(['compile', out, a, b]).code).toBe(0);
    expect(s6rc(['db', '-c', out, 'dependencies', 'two']).stdout).toBe('one\n');
  });

  it('warns at the default verbosity and is quiet at -v0', () => {
    const src = writeTree(join(dir, 'src'), {
      ...longrun('p', { 'producer-for': 'c\n', 'pipeline-name': 'x\n' }),
      ...longrun('c', { 'consumer-for': 'p\n' }),
    });
    const loud = s6rc(['compile', join(dir, 'c1'), src]);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toBe(`s6rc compile: warning: ${src}/p/pipeline-name ignored: only a last consumer (consumer-for without producer-for) names a pipeline\n`);
    expect(s6rc(['compile', '-v', '0', join(dir, 'c2'), src]).stderr).toBe('');
  });

  describe('errors', () => {
    it('source errors exit 1 naming the file, and write nothing', () => {
      const src = writeTree(join(dir, 'src'), oneshot('a', '/bin/true\n', { dependencies: 'ghost\n' }));
      const out = join(dir, 'compiled');
      const r = s6rc(['compile', out, src]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `s6rc compile: fatal: unknown service name 'ghost' in dependencies of a in ${src}/a/dependencies\n` });
      expect(existsSync(out)).toBe(false);
    });

    it('a dangling symlink as a service entry exits 1 naming it, and writes nothing', () => {
      const src = writeTree(join(dir, 'src'), { ...oneshot('a'), b: { symlink: '/nonexistent/b' } });
      const out = join(dir, 'compiled');
      const r = s6rc(['compile', out, src]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `s6rc compile: fatal: dangling symlink to '/nonexistent/b' in ${src}/b\n` });
      expect(existsSync(out)).toBe(false);
    });

    it('a 10 MB up file exits 1 naming it, without reading it into memory', () => {
      const src = writeTree(join(dir, 'src'), oneshot('big', 'a '.repeat(5 * 1024 * 1024)));
      const out = join(dir, 'compiled');
      const r = spawnSync(process.execPath, ['-r', MAXRSS, S6RC, 'compile', out, src], { encoding: 'utf8', timeout: 60_000 });
      const [message, rss] = r.stderr.split('\n');
      expect({ code: r.status, stdout: r.stdout, message }).toEqual({
        code: 1,
        stdout: '',
        message: `s6rc compile: fatal: file too large (10485760 bytes; compile reads at most 1 MiB of a definition's file) in ${src}/big/up`,
      });
      // A compile of a few services peaks near 60 MiB; reading the file whole took 465 MB.
      expect(Number(rss.replace('MAXRSS ', '')) / 1024).toBeLessThan(120);
      expect(existsSync(out)).toBe(false);
    });

    it('binary garbage in a file is quoted and cut in a one-line message', () => {
      const src = writeTree(join(dir, 'src'), { 'a/type': '' });
      writeFileSync(join(src, 'a/type'), Buffer.concat([Buffer.from('\x1b[2J\x07\n'), Buffer.alloc(4096, 0xff)]));
      const r = s6rc(['compile', join(dir, 'compiled'), src]);
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `s6rc compile: fatal: invalid type '\\u001b[2J\\u0007\\n${'\\ufffd'.repeat(54)}'... (expected oneshot, longrun or bundle) in ${src}/a/type\n`,
      });
    });

    it('a cycle exits 1', () => {
      const src = writeTree(join(dir, 'src'), {
        ...oneshot('a', '/bin/true\n', { dependencies: 'b\n' }),
        ...oneshot('b', '/bin/true\n', { dependencies: 'a\n' }),
      });
      const r = s6rc(['compile', join(dir, 'compiled'), src]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`s6rc compile: fatal: dependency cycle a -> b -> a in ${src}/a/dependencies\n`);
    });

    it.each([
      [[], 'missing compiled and source arguments'],
      [['out'], 'missing source directory'],
      [['-x', 'out', 'src'], 'unknown option -x'],
      [['-v', 'loud', 'out', 'src'], "option -v expects a non-negative integer, got 'loud'"],
    ])('usage error %j exits 100', (args, problem) => {
      const r = s6rc(['compile', ...args]);
      expect(r).toEqual({ code: 100, stdout: '', stderr: `s6rc compile: fatal: ${problem} (usage: s6rc compile [-v verbosity] compiled source...)\n` });
    });

    it('a missing option argument exits 100', () => {
      const r = s6rc(['compile', '-v']);
      expect(r.code).toBe(100);
      expect(r.stderr).toMatch(/^s6rc compile: fatal: option -v.* requires an argument \(usage: s6rc compile /);
    });

    it('an existing target exits 111 and is left alone', () => {
      const out = join(dir, 'compiled');
      writeFileSync(out, 'keep me');
      const r = s6rc(['compile', out, WEBSTACK]);
      expect(r).toEqual({ code: 111, stdout: '', stderr: `s6rc compile: fatal: ${out} already exists (s6rc compile never overwrites a database)\n` });
      expect(readdirSync(dir)).toEqual(['compiled']);
    });

    it('a target in a missing directory exits 111 and leaves nothing', () => {
      const r = s6rc(['compile', join(dir, 'no', 'compiled'), WEBSTACK]);
      expect(r.code).toBe(111);
      expect(r.stderr).toMatch(/^s6rc compile: fatal: unable to create .*\/no\/\.compiled\.tmp-\S+: ENOENT: /);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('an unwritable target directory exits 111 with the errno', () => {
      const ro = join(dir, 'ro');
      writeTree(ro, { keep: '' });
      // Root ignores permissions: then run s6rc as nobody, for whom a root-owned 0755 directory is read-only.
      const asRoot = process.getuid?.() === 0;
      chmodSync(dir, 0o755);
      chmodSync(ro, asRoot ? 0o755 : 0o555);
      try {
        const r = s6rc(['compile', join(ro, 'compiled'), WEBSTACK], asRoot ? { uid: 65534, gid: 65534 } : {});
        expect(r.code).toBe(111);
        expect(r.stderr).toMatch(/^s6rc compile: fatal: unable to create .*\/ro\/\.compiled\.tmp-\S+: EACCES: permission denied/);
        expect(readdirSync(ro)).toEqual(['keep']);
      } finally {
        chmodSync(ro, 0o755);
      }
    });

    it('a missing source directory exits 1', () => {
      const r = s6rc(['compile', join(dir, 'compiled'), join(dir, 'nosuch')]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `s6rc compile: fatal: not a source directory in ${join(dir, 'nosuch')}\n` });
    });
  });

  // Found by test/reliability/fuzz-source.test.ts, seed 441436246: a definition directory named
  // `a<newline>b` put a raw newline in the fatal line's path (two lines on stderr).
  it('keeps the fatal line one line when a name or path holds control characters', () => {
    const src = writeTree(join(dir, 'src'), oneshot('a\nb\u001b[31m'));
    const r = s6rc(['compile', join(dir, 'compiled'), src]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`s6rc compile: fatal: invalid service name "a\\nb\\u001b[31m" (contains a newline) in ${src}/a\\nb\\u001b[31m\n`);
  });

  it('--help prints the table-driven help', () => {
    const r = s6rc(['compile', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: s6rc compile [-v verbosity] compiled source...');
    expect(r.stdout).toContain('-v verbosity');
  });
});
