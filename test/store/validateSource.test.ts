import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSources } from '../../store/source/compileSources.js';
import { Fatal } from '../../cli/fatal.js';
import type { Longrun } from '../../machines/model.js';
import { bundle, longrun, oneshot, scratch, writeTree, type Tree } from '../helpers/sourceTree.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

/** Compiles `tree` and returns the Fatal it throws, with `<src>` standing for the source directory. */
function failure(tree: Tree, more: Tree[] = []): { code: number; program: string; message: string } {
  const dirs = [tree, ...more].map((t, i) => writeTree(join(dir, `src${i}`), t));
  try {
    compileSources(dirs);
  } catch (err) {
    if (!(err instanceof Fatal)) throw err;
    return { code: err.exitCode, program: err.program, message: err.message.replaceAll(join(dir, 'src0'), '<src>').replaceAll(join(dir, 'src1'), '<src1>') };
  }
  throw new Error('compiled without error');
}

/** 'compiled', or the message of the Fatal compiling `tree` throws. */
function failureOrModel(tree: Tree): string {
  try {
    compileSources([writeTree(join(dir, `src-${Math.random().toString(36).slice(2)}`), tree)]);
    return 'compiled';
  } catch (err) {
    if (!(err instanceof Fatal)) throw err;
    return err.message;
  }
}

const cases: [what: string, tree: Tree, message: string][] = [
  ['a missing type', { 'a/run': '' }, 'missing type file in <src>/a'],
  ['a bad type', { 'a/type': 'daemon\n' }, "invalid type 'daemon' (expected oneshot, longrun or bundle) in <src>/a/type"],
  ['a oneshot without up', { 'a/type': 'oneshot\n' }, 'oneshot without an up file in <src>/a'],
  ['a longrun without run', { 'a/type': 'longrun\n' }, 'longrun without a run file in <src>/a'],
  ['a bundle without contents', { 'a/type': 'bundle\n' }, 'bundle without contents.d or contents in <src>/a'],
  ['an unknown dependency', oneshot('a', '/bin/true\n', { dependencies: 'ghost\n' }), "unknown service name 'ghost' in dependencies of a in <src>/a/dependencies"],
  ['an unknown dependency in dependencies.d', oneshot('a', '/bin/true\n', { 'dependencies.d/ghost': '' }), "unknown service name 'ghost' in dependencies of a in <src>/a/dependencies.d"],
  ['an unknown bundle member', bundle('b', ['ghost']), "unknown service name 'ghost' in contents of bundle b in <src>/b/contents"],
  ['a bundle cycle', { ...bundle('x', ['y']), ...bundle('y', ['z']), ...bundle('z', ['x']) }, 'bundle cycle x -> y -> z -> x in <src>/x/contents'],
  ['a bundle containing itself', bundle('x', ['x']), 'bundle cycle x -> x in <src>/x/contents'],
  [
    'a dependency cycle',
    { ...oneshot('a', '/bin/true\n', { dependencies: 'b\n' }), ...oneshot('b', '/bin/true\n', { dependencies: 'c\n' }), ...oneshot('c', '/bin/true\n', { dependencies: 'a\n' }) },
    'dependency cycle a -> b -> c -> a in <src>/a/dependencies',
  ],
  ['a service depending on itself', oneshot('a', '/bin/true\n', { dependencies: 'a\n' }), 'service a depends on itself in <src>/a/dependencies'],
  ['a dependency on a bundle containing the service', { ...oneshot('a', '/bin/true\n', { dependencies: 'all\n' }), ...bundle('all', ['a']) }, 'service a depends on itself in <src>/a/dependencies'],
  ['a bad timeout', oneshot('a', '/bin/true\n', { 'timeout-up': 'soon\n' }), "bad number 'soon' (expected a non-negative integer) in <src>/a/timeout-up"],
  ['a negative notification-fd', longrun('a', { 'notification-fd': '-3\n' }), "bad number '-3' (expected a non-negative integer) in <src>/a/notification-fd"],
  ['a notification-fd on stdio', longrun('a', { 'notification-fd': '1\n' }), 'notification-fd 1: expected an integer of 3 or more in <src>/a/notification-fd'],
  ['a lock-fd on stdio', longrun('a', { 'lock-fd': '2\n' }), 'lock-fd 2: expected an integer of 3 or more in <src>/a/lock-fd'],
  ['the same fd for notification and lock', longrun('a', { 'notification-fd': '5\n', 'lock-fd': '5\n' }), 'notification-fd and lock-fd are both 5: they must differ in <src>/a/lock-fd'],
  ['a bad down-signal', longrun('a', { 'down-signal': 'SIGNOPE\n' }), "invalid signal 'SIGNOPE' in <src>/a/down-signal"],
  ['bad notifyoncheck options', longrun('a', { notifyoncheck: '-q\n' }), 'invalid notifyoncheck options: unknown option -q in <src>/a/notifyoncheck'],
  ['an unclosed execline block', oneshot('a', 'echo {\n  x\n'), 'execline syntax error: unclosed block: missing } at line 3 in <src>/a/up'],
  ['an unterminated quote', oneshot('a', 'echo "oops\n'), 'execline syntax error: unterminated double-quoted string at line 2 in <src>/a/up'],
  ['a reserved name s6rc-', oneshot('s6rc-fdholder'), "service name 's6rc-fdholder' uses the reserved prefix s6rc- in <src>/s6rc-fdholder"],
  ['a reserved name s6-rc-', oneshot('s6-rc-init'), "service name 's6-rc-init' uses the reserved prefix s6-rc- in <src>/s6-rc-init"],
  ['a name with a newline', oneshot('bad\nname'), 'invalid service name "bad\\nname" (contains a newline) in <src>/bad\nname'],
  ['a type that is a directory', { 'a/type/x': '' }, 'not a regular file in <src>/a/type'],
  ['producer-for without consumer-for', { ...longrun('p', { 'producer-for': 'c\n' }), ...longrun('c') }, 'p is declared a producer for c, but c has no consumer-for naming p in <src>/p/producer-for'],
  ['consumer-for without producer-for', { ...longrun('p'), ...longrun('c', { 'consumer-for': 'p\n' }) }, "c is declared a consumer for p, but p's producer-for is missing in <src>/c/consumer-for"],
  ['a producer for an unknown service', longrun('p', { 'producer-for': 'ghost\n' }), "unknown service name 'ghost' in producer-for of p in <src>/p/producer-for"],
  ['a producer for a oneshot', { ...longrun('p', { 'producer-for': 'o\n' }), ...oneshot('o') }, 'producer-for of p names o, which is a oneshot, not a longrun in <src>/p/producer-for'],
  ['a producer for itself', longrun('p', { 'producer-for': 'p\n', 'consumer-for': 'p\n' }), 'p names itself in producer-for in <src>/p/producer-for'],
  ['two producer-for lines', longrun('p', { 'producer-for': 'a\nb\n' }), 'producer-for must hold exactly one service name in <src>/p/producer-for'],
  [
    'a pipeline cycle',
    { ...longrun('a', { 'producer-for': 'b\n', 'consumer-for': 'b\n' }), ...longrun('b', { 'producer-for': 'a\n', 'consumer-for': 'a\n' }) },
    'pipeline cycle a -> b -> a in <src>/a/producer-for',
  ],
  [
    'a pipeline name colliding with a service',
    { ...longrun('p', { 'producer-for': 'c\n' }), ...longrun('c', { 'consumer-for': 'p\n', 'pipeline-name': 'p\n' }) },
    "pipeline name 'p' collides with a service of that name in <src>/c/pipeline-name",
  ],
  [
    'two pipelines with one name',
    {
      ...longrun('p1', { 'producer-for': 'c1\n' }),
      ...longrun('c1', { 'consumer-for': 'p1\n', 'pipeline-name': 'logs\n' }),
      ...longrun('p2', { 'producer-for': 'c2\n' }),
      ...longrun('c2', { 'consumer-for': 'p2\n', 'pipeline-name': 'logs\n' }),
    },
    "pipeline name 'logs' is also used by the pipeline ending at c1 in <src>/c2/pipeline-name",
  ],
];

/** Symlinks that lead nowhere, as service entries or inside a definition: errors naming the link, never skipped. */
const LOOP = 'symlink loop (too many levels of symbolic links)';
const symlinkCases: [what: string, tree: Tree, message: string][] = [
  ['a dangling symlink as a service entry', { ...oneshot('b'), a: { symlink: 'nowhere' } }, "dangling symlink to 'nowhere' in <src>/a"],
  ['a symlink loop as a service entry', { ...oneshot('b'), a: { symlink: 'a' } }, `${LOOP} in <src>/a`],
  ['a two-link loop as a service entry', { x: { symlink: 'y' }, y: { symlink: 'x' } }, `${LOOP} in <src>/x`],
  ['a dangling type', { 'a/type': { symlink: '../types/oneshot' } }, "dangling symlink to '../types/oneshot' in <src>/a/type"],
  ['a dangling run', longrun('a', { run: { symlink: '/nonexistent/run' } }), "dangling symlink to '/nonexistent/run' in <src>/a/run"],
  ['a run that is a symlink loop', longrun('a', { run: { symlink: 'run' } }), `${LOOP} in <src>/a/run`],
  ['a dangling finish', longrun('a', { finish: { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/finish"],
  ['a dangling up', { 'a/type': 'oneshot\n', 'a/up': { symlink: 'up.real' } }, "dangling symlink to 'up.real' in <src>/a/up"],
  ['a dangling down', oneshot('a', '/bin/true\n', { down: { symlink: 'down.real' } }), "dangling symlink to 'down.real' in <src>/a/down"],
  ['a dangling timeout-up', oneshot('a', '/bin/true\n', { 'timeout-up': { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/timeout-up"],
  ['a dangling notification-fd', longrun('a', { 'notification-fd': { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/notification-fd"],
  ['a dangling dependencies file', oneshot('a', '/bin/true\n', { dependencies: { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/dependencies"],
  ['a dangling dependencies.d', oneshot('a', '/bin/true\n', { 'dependencies.d': { symlink: 'gone.d' } }), "dangling symlink to 'gone.d' in <src>/a/dependencies.d"],
  ['a dependencies.d that is a symlink loop', oneshot('a', '/bin/true\n', { 'dependencies.d': { symlink: 'dependencies.d' } }), `${LOOP} in <src>/a/dependencies.d`],
  ['a dangling contents.d', { 'b/type': 'bundle\n', 'b/contents.d': { symlink: 'gone.d' } }, "dangling symlink to 'gone.d' in <src>/b/contents.d"],
  ['a dangling contents', { 'b/type': 'bundle\n', 'b/contents': { symlink: 'gone' } }, "dangling symlink to 'gone' in <src>/b/contents"],
  ['a dangling flag-essential', oneshot('a', '/bin/true\n', { 'flag-essential': { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/flag-essential"],
  ['a dangling producer-for', longrun('a', { 'producer-for': { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/producer-for"],
  ['a dangling notifyoncheck', longrun('a', { notifyoncheck: { symlink: 'gone' } }), "dangling symlink to 'gone' in <src>/a/notifyoncheck"],
];

describe('source errors: s6rc compile: fatal: <what> in <path>, exit 1', () => {
  it.each(cases)('%s', (_what, tree, message) => {
    expect(failure(tree)).toEqual({ code: 1, program: 's6rc compile', message });
  });

  it.each(symlinkCases)('%s', (_what, tree, message) => {
    expect(failure(tree)).toEqual({ code: 1, program: 's6rc compile', message });
  });

  describe('file content in a message is quoted and cut: one short printable line', () => {
    /** 4 KiB of reproducible noise: every byte value, control characters, invalid UTF-8. */
    function noise(seed: number, size = 4096, without: number[] = []): Buffer {
      const out = Buffer.alloc(size);
      for (let i = 0, x = seed; i < size; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        let b = x >>> 24;
        while (without.includes(b)) b = (b + 1) & 0xff;
        out[i] = b;
      }
      return out;
    }
    /** Writes `tree`, then `file` (relative to the source) with `bytes`, and returns the message compiling it throws. */
    function messageFor(tree: Tree, file: string, bytes: Buffer): string {
      const root = writeTree(join(dir, 'src0'), tree);
      writeFileSync(join(root, file), bytes);
      return failure({}).message;
    }
    const NEWLINE = 0x0a;
    const cases: [file: string, tree: Tree, starts: string, without?: number[]][] = [
      ['a/type', { 'a/type': '' }, 'invalid type '],
      ['a/timeout-up', oneshot('a', '/bin/true\n', { 'timeout-up': '' }), 'bad number '],
      ['a/timeout-down', oneshot('a', '/bin/true\n', { 'timeout-down': '' }), 'bad number '],
      ['a/notification-fd', longrun('a', { 'notification-fd': '' }), 'bad number '],
      ['a/down-signal', longrun('a', { 'down-signal': '' }), 'invalid signal '],
      ['a/notifyoncheck', longrun('a', { notifyoncheck: '' }), 'invalid notifyoncheck options: '],
      ['a/dependencies', oneshot('a', '/bin/true\n', { dependencies: '' }), 'unknown service name '],
      ['b/contents', bundle('b', []), 'unknown service name '],
      ['p/producer-for', longrun('p', { 'producer-for': '' }), 'unknown service name ', [NEWLINE]],
      ['c/consumer-for', longrun('c', { 'consumer-for': '' }), 'unknown service name '],
    ];
    it.each(cases)('binary noise in %s', (file, tree, starts, without) => {
      for (const seed of [1, 2, 3]) {
        const message = messageFor(tree, file, noise(seed, 4096, without));
        expect(message.startsWith(starts)).toBe(true);
        expect(message.endsWith(` in <src>/${file}`)).toBe(true);
        // Printable characters only: no control or format character, no raw replacement character, one line.
        expect(message).toMatch(/^[\x20-\x7e\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$/u);
        expect(message).not.toMatch(/[\u0080-\u009f\ufffd\u2028\u2029]/);
        expect(message.length).toBeLessThan(starts.length + 60 * 6 + 150);
      }
    });

    it('escapes as JSON does, marks bytes that are not UTF-8, and cuts after 60 characters', () => {
      const bytes = Buffer.concat([Buffer.from('\x1b[31mred\x00\t\\\'é'), Buffer.from([0xff, 0xfe]), Buffer.from('x'.repeat(100))]);
      expect(messageFor({ 'a/type': '' }, 'a/type', bytes)).toBe(
        `invalid type '\\u001b[31mred\\u0000\\t\\\\\\'é\\ufffd\\ufffd${'x'.repeat(45)}'... (expected oneshot, longrun or bundle) in <src>/a/type`,
      );
      expect(messageFor(oneshot('a', '/bin/true\n', { 'timeout-up': '' }), 'a/timeout-up', Buffer.from('12\u2028\x7f'))).toBe(
        "bad number '12\\u2028\\u007f' (expected a non-negative integer) in <src>/a/timeout-up",
      );
    });
  });

  describe('what compile reads into memory is bounded (README, "Source directories")', () => {
    const MiB = 1024 * 1024;
    const tooLarge = (size: number) => `file too large (${size} bytes; compile reads at most 1 MiB of a definition's file)`;

    it.each([
      ['up', oneshot('a', 'x '.repeat(MiB / 2) + 'y')],
      ['run', longrun('a', { run: '#'.repeat(MiB + 1) })],
      ['type', { 'a/type': 'oneshot\n'.repeat(MiB / 8 + 1) }],
      ['dependencies', oneshot('a', '/bin/true\n', { dependencies: 'b\n'.repeat(MiB / 2 + 1) })],
      ['timeout-up', oneshot('a', '/bin/true\n', { 'timeout-up': '0'.repeat(4 * MiB) })],
    ] as [string, Tree][])('a %s of more than 1 MiB', (file, tree) => {
      const size = Object.values(tree).reduce((n, v) => (typeof v === 'string' && v.length > MiB ? v.length : n), 0);
      expect(failure(tree)).toEqual({ code: 1, program: 's6rc compile', message: `${tooLarge(size)} in <src>/a/${file}` });
    });

    it('reads a file of exactly 1 MiB, and files around the read buffer (64 KiB) whole', () => {
      const sizes = [MiB, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 200_000];
      const tree: Tree = {};
      sizes.forEach((n, i) => Object.assign(tree, longrun(`s${i}`, { run: '#!/bin/sh\n' + 'x'.repeat(n - 11) + '\n' })));
      const model = compileSources([writeTree(join(dir, 'src'), tree)]);
      sizes.forEach((n, i) => {
        const run = (model.services.get(`s${i}`) as Longrun).files.find((f) => f.path === 'run')!;
        expect(run.content.length).toBe(n);
        expect(run.content.toString()).toBe('#!/bin/sh\n' + 'x'.repeat(n - 11) + '\n');
      });
    });

    it('rejects what is not a regular file without reading it (an up linked to /dev/zero)', () => {
      expect(failure({ 'a/type': 'oneshot\n', 'a/up': { symlink: '/dev/zero' } }).message).toBe('not a regular file in <src>/a/up');
    });

    it('bounds data/ and env/ of all definitions together at 32 MiB', () => {
      const blob = 'd'.repeat(12 * MiB);
      const ok = failureOrModel({ ...longrun('a', { 'data/one': blob }), ...longrun('b', { 'env/TWO': blob }) });
      expect(ok).toBe('compiled');
      expect(failure({ ...longrun('a', { 'data/one': blob, 'data/two': blob }), ...longrun('b', { 'env/THREE': blob }) }).message).toBe(
        'data/ and env/ too large (with this file, more than 32 MiB in all the definitions; keep big files outside and refer to them by path) in <src>/b/env/THREE',
      );
      // Each compile starts over.
      expect(failureOrModel({ ...longrun('c', { 'data/one': blob, 'data/two': blob }) })).toBe('compiled');
    });
  });

  it('rejects a name defined in two source directories', () => {
    expect(failure(oneshot('a'), [oneshot('a')])).toEqual({
      code: 1,
      program: 's6rc compile',
      message: "duplicate service name 'a' (also defined in <src>/a) in <src1>/a",
    });
  });

  it('rejects a source directory that does not exist', () => {
    try {
      compileSources([join(dir, 'nope')]);
      expect.unreachable();
    } catch (err) {
      expect((err as Fatal).exitCode).toBe(1);
      expect((err as Fatal).message).toBe(`not a source directory in ${join(dir, 'nope')}`);
    }
  });
});
