/**
 * fast-check arbitraries for s6-rc source trees, valid and not: random names
 * (reserved, with newlines, hidden, long), types, definition files with
 * plausible, random, binary and oversized content, nesting (data/, env/,
 * *.d/), symlinks (to other files, dangling, loops, to devices), FIFOs,
 * dependencies between the generated services (so cycles happen), and big
 * chains and fan-outs. `writeFuzzTree` puts one on disk.
 */
import fc from 'fast-check';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/** One entry of a generated tree, relative to the source directory. */
export type FuzzEntry =
  | { kind: 'file'; content: Uint8Array; mode: number }
  | { kind: 'huge'; bytes: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'dir' }
  | { kind: 'fifo' };

export type FuzzTree = [string, FuzzEntry][];

const MiB = 1024 * 1024;
const enc = (s: string) => new TextEncoder().encode(s);

/** Names a definition directory may have: mostly valid, sometimes reserved, hidden, odd or too strange. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_.@-]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('s6rc-x', 's6-rc-init', '.hidden', 'a\nb', 'tab\there', 'sp ace', 'é-ü', '\u202eevil', 'x'.repeat(255), '-dash', '#hash') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && !s.includes('\0') && s !== '.' && s !== '..' && Buffer.byteLength(s) <= 255) },
);

const numberText = fc.oneof(
  fc.nat({ max: 100_000 }).map((n) => `${n}\n`),
  fc.constantFrom('0\n', '3', ' 7 \n', '-1\n', '1e3\n', '0x10\n', '99999999999999999999999\n', '12abc\n', '\n', '', '3\n4\n'),
);
const signalText = fc.constantFrom('SIGTERM\n', 'HUP', '15\n', '9', 'SIGNOPE\n', '0\n', '999\n', 'sigusr1\n', '');
const commandText = fc.constantFrom(
  '/bin/true\n',
  '/bin/sh -c "exit 0"\n',
  '#!/bin/sh\nexit 0\n',
  '#!/usr/bin/execlineb -P\n/bin/true\n',
  'foreground { echo a } echo b\n',
  '"unterminated\n',
  '{ unbalanced\n',
  '}\n',
  '"\\x"\n',
  '# only a comment\n',
  '',
);
const probeText = fc.constantFrom('tcp 127.0.0.1:1\n', 'http http://127.0.0.1:1/\n', 'exec\n', 'exec -w 100 -n 2\n', 'tcp\n', 'udp 1.2.3.4:5\n', 'http ftp://x\n', 'tcp 127.0.0.1:99999\n');
const healthText = fc.constantFrom('always\n', 'on-failure\n', 'never\n', 'sometimes\n', '100 30000\n', '300 100\n', '5 60\n', '0 0\n', 'x y\n', '-s 10 -w 1000 -n 7 -T 0 -t 0\n', '-z\n', '-n\n', '');

/** Content of a definition file: plausible for its name, random text, binary garbage, or (rarely) bigger than compile reads. */
function contentArb(file: string, names: string[]): fc.Arbitrary<FuzzEntry> {
  const pool = names.length ? fc.constantFrom(...names) : fc.constant('nobody');
  const nameList = fc.array(fc.oneof({ weight: 6, arbitrary: pool }, { weight: 1, arbitrary: nameArb }), { maxLength: 5 }).map((ns) => ns.map((n) => `${n}\n`).join(''));
  const plausible: Record<string, fc.Arbitrary<string>> = {
    type: fc.constantFrom('oneshot\n', 'longrun\n', 'bundle\n', 'longrun', ' bundle \n', 'daemon\n', 'LONGRUN\n', ''),
    dependencies: nameList,
    contents: nameList,
    'producer-for': nameList,
    'consumer-for': nameList,
    'pipeline-name': nameList,
    run: fc.constantFrom('#!/bin/sh\nexec sleep 1000\n', '', 'not a script\n'),
    finish: fc.constantFrom('#!/bin/sh\nexit 0\n', ''),
    up: commandText,
    down: commandText,
    reload: commandText,
    'down-signal': signalText,
    'reload-signal': signalText,
    restart: healthText,
    'restart-backoff': healthText,
    'restart-limit': healthText,
    notifyoncheck: healthText,
    'readiness-probe': probeText,
    'liveness-probe': probeText,
  };
  const text = plausible[file] ?? numberText;
  return fc.oneof(
    { weight: 12, arbitrary: text.map((t) => ({ kind: 'file' as const, content: enc(t), mode: 0o644 })) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }).map((t) => ({ kind: 'file' as const, content: enc(t), mode: 0o755 })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ kind: 'file' as const, content: b, mode: 0o755 })) },
    { weight: 1, arbitrary: fc.constantFrom(MiB, MiB + 1, 3 * MiB).map((bytes) => ({ kind: 'huge' as const, bytes })) },
    { weight: 1, arbitrary: fc.constantFrom<FuzzEntry>({ kind: 'dir' }, { kind: 'fifo' }) },
    { weight: 1, arbitrary: fc.constantFrom('nowhere', '/dev/null', '/dev/zero', '.', '..', '../..').map((target) => ({ kind: 'symlink' as const, target })) },
  );
}

const FILES = [
  'type', 'dependencies', 'contents', 'run', 'finish', 'up', 'down', 'reload', 'notification-fd', 'timeout-up', 'timeout-down',
  'timeout-kill', 'timeout-finish', 'max-death-tally', 'down-signal', 'reload-signal', 'lock-fd', 'flag-essential',
  'flag-timeout-killpg', 'notifyoncheck', 'notify-socket', 'watchdog-timeout', 'restart', 'restart-backoff', 'restart-limit',
  'readiness-probe', 'liveness-probe', 'producer-for', 'consumer-for', 'pipeline-name', 'unknown-file',
];

/** One definition directory: a type (usually), a random subset of the files, maybe *.d/, data/, env/ and symlinks. */
function definitionArb(name: string, names: string[]): fc.Arbitrary<FuzzTree> {
  const typeArb = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('oneshot\n', 'longrun\n', 'bundle\n').map((t): FuzzEntry => ({ kind: 'file', content: enc(t), mode: 0o644 })) },
    { weight: 2, arbitrary: contentArb('type', names) },
  );
  const files = fc.uniqueArray(fc.constantFrom(...FILES.slice(1)), { maxLength: 8 }).chain((fs) => fc.tuple(...fs.map((f) => contentArb(f, names).map((e): [string, FuzzEntry] => [f, e]))));
  const memberDir = (dir: string) =>
    fc.array(fc.oneof({ weight: 4, arbitrary: names.length ? fc.constantFrom(...names) : nameArb }, { weight: 1, arbitrary: nameArb }), { maxLength: 4 }).map((ms) => {
      const out: FuzzTree = [[dir, { kind: 'dir' }]];
      for (const m of new Set(ms)) if (!m.startsWith('.')) out.push([`${dir}/${m}`, { kind: 'file', content: new Uint8Array(), mode: 0o644 }]);
      return out;
    });
  const nested = (dir: string) =>
    fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,4}(\/[a-z]{1,4}){0,3}$/), fc.oneof(contentArb('data', names), fc.constant<FuzzEntry>({ kind: 'symlink', target: 'x' }))), { maxLength: 4 }).map((fs) => {
      const out: FuzzTree = [[dir, { kind: 'dir' }]];
      for (const [p, e] of fs) out.push([`${dir}/${p}`, e]);
      return out;
    });
  const extras = fc.array(
    fc.oneof(memberDir('dependencies.d'), memberDir('contents.d'), nested('data'), nested('env'), fc.constant<FuzzTree>([['dependencies.d', { kind: 'symlink', target: 'dependencies.d' }]])),
    { maxLength: 2 },
  );
  return fc.tuple(fc.option(typeArb, { freq: 12 }), files, extras).map(([type, fs, ex]) => {
    const tree: FuzzTree = [];
    if (type) tree.push(['type', type]);
    tree.push(...fs, ...ex.flat());
    return tree.map(([p, e]): [string, FuzzEntry] => [`${name}/${p}`, e]);
  });
}

/** Names a valid tree may use: never reserved, never hidden. */
const validName = fc.stringMatching(/^[a-z][a-z0-9_@-]{0,8}$/);

/**
 * A valid source directory: 1-6 definitions, dependencies and bundle members
 * only towards earlier ones (no cycle), plausible optional files.
 */
const validTreeArb: fc.Arbitrary<FuzzTree> = fc.uniqueArray(validName, { minLength: 1, maxLength: 6 }).chain((names) =>
  fc
    .tuple(
      ...names.map((name, i) =>
        fc.record({
          type: fc.constantFrom('oneshot', 'longrun', 'bundle'),
          refs: fc.subarray(names.slice(0, i)),
          numbers: fc.subarray(['timeout-up', 'timeout-down', 'timeout-kill', 'timeout-finish', 'max-death-tally']),
          notificationFd: fc.option(fc.integer({ min: 3, max: 9 })),
          downSignal: fc.option(fc.constantFrom('SIGTERM', 'HUP', '2')),
          essential: fc.boolean(),
          data: fc.option(fc.uint8Array({ maxLength: 64 })),
        }).map((d): FuzzTree => {
          const f = (p: string, t: string | Uint8Array, mode = 0o644): [string, FuzzEntry] => [`${name}/${p}`, { kind: 'file', content: typeof t === 'string' ? enc(t) : t, mode }];
          const tree: FuzzTree = [f('type', `${d.type}\n`)];
          if (d.essential) tree.push(f('flag-essential', ''));
          if (d.type === 'bundle') return [...tree, f('contents', d.refs.map((r) => `${r}\n`).join(''))];
          if (d.refs.length) tree.push(f('dependencies', d.refs.map((r) => `${r}\n`).join('')));
          for (const n of d.numbers) if (d.type === 'longrun' || n.startsWith('timeout-up') || n.startsWith('timeout-down')) tree.push(f(n, `${(i * 37) % 5000}\n`));
          if (d.type === 'oneshot') return [...tree, f('up', '/bin/true\n'), f('down', 'foreground { echo "bye" } /bin/true\n')];
          tree.push(f('run', '#!/bin/sh\nexec sleep 1000\n', 0o755));
          if (d.notificationFd !== null) tree.push(f('notification-fd', `${d.notificationFd}\n`));
          if (d.downSignal !== null) tree.push(f('down-signal', `${d.downSignal}\n`));
          if (d.data !== null) tree.push(f('data/blob', d.data), f('env/VAR', 'value\n'), [`${name}/data/link`, { kind: 'symlink', target: 'blob' }]);
          return tree;
        }),
      ),
    )
    .map((defs) => defs.flat()),
);

/** A source directory of 1-8 definitions referring to each other, plus stray files and symlinked definitions. */
const hostileTreeArb: fc.Arbitrary<FuzzTree> = fc.uniqueArray(nameArb, { minLength: 1, maxLength: 8 }).chain((names) =>
  fc
    .tuple(
      fc.tuple(...names.map((n) => definitionArb(n, names))),
      fc.array(
        fc.oneof(
          fc.tuple(nameArb, fc.constantFrom('nowhere', '.', names[0], `${names[0]}/type`)).map(([n, target]): [string, FuzzEntry] => [n, { kind: 'symlink', target }]),
          nameArb.map((n): [string, FuzzEntry] => [n, { kind: 'file', content: enc('stray\n'), mode: 0o644 }]),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([defs, stray]) => {
      const tree = defs.flat();
      const taken = new Set(names);
      for (const [n, e] of stray) if (!taken.has(n)) (taken.add(n), tree.push([n, e]));
      return tree;
    }),
);

/**
 * A big valid-looking graph: a chain or a fan-out of `n` oneshots, maybe
 * under bundles, maybe with one back edge that closes a cycle (of
 * dependencies or of bundles).
 */
export const bigGraphArb = fc
  .record({
    n: fc.integer({ min: 200, max: 1500 }),
    shape: fc.constantFrom('chain', 'fanout', 'bundles'),
    cycle: fc.boolean(),
  })
  .map(({ n, shape, cycle }): FuzzTree => {
    const tree: FuzzTree = [];
    const file = (p: string, t: string) => tree.push([p, { kind: 'file', content: enc(t), mode: 0o644 }]);
    for (let i = 0; i < n; i++) {
      if (shape === 'bundles') {
        file(`b${i}/type`, 'bundle\n');
        file(`b${i}/contents`, i === 0 ? 'leaf\n' : `b${i - 1}\n`);
      } else {
        file(`s${i}/type`, 'oneshot\n');
        file(`s${i}/up`, '/bin/true\n');
        if (shape === 'chain' && i > 0) file(`s${i}/dependencies`, `s${i - 1}\n`);
      }
    }
    if (shape === 'fanout') file('root/type', 'oneshot\n'), file('root/up', '/bin/true\n'), file('root/dependencies', Array.from({ length: n }, (_, i) => `s${i}\n`).join(''));
    if (shape === 'bundles') file('leaf/type', 'oneshot\n'), file('leaf/up', '/bin/true\n');
    if (cycle) {
      if (shape === 'chain') file('s0/dependencies', `s${n - 1}\n`);
      if (shape === 'fanout') file('s0/dependencies', 'root\n');
      if (shape === 'bundles') file('b0/contents', `b${n - 1}\n`);
    }
    return tree;
  });

/** Writes `tree` under `root` (existing parents are reused; an entry whose place is taken by a file is skipped). */
export function writeFuzzTree(root: string, tree: FuzzTree): void {
  mkdirSync(root, { recursive: true });
  for (const [rel, entry] of tree) {
    const path = join(root, rel);
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (entry.kind === 'file') writeFileSync(path, entry.content, { mode: entry.mode });
      else if (entry.kind === 'huge') writeFileSync(path, Buffer.alloc(entry.bytes, 0x61));
      else if (entry.kind === 'symlink') symlinkSync(entry.target, path);
      else if (entry.kind === 'dir') mkdirSync(path, { recursive: true });
      else execFileSync('mkfifo', [path], { stdio: 'ignore' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Two entries for one path, or a file where a directory was wanted: the first one wins.
      if (code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'ELOOP' && (err as { status?: number }).status === undefined) throw err;
    }
  }
}

/** A valid tree with 0-2 hostile entries added to its definitions (each may or may not break it). */
const mutatedTreeArb: fc.Arbitrary<FuzzTree> = validTreeArb.chain((tree) => {
  const names = [...new Set(tree.map(([p]) => p.split('/')[0]))];
  const mutation = fc
    .tuple(fc.constantFrom(...names), fc.constantFrom(...FILES))
    .chain(([name, file]) => contentArb(file, names).map((e): [string, FuzzEntry] => [`${name}/${file}`, e]));
  return fc.array(mutation, { maxLength: 2 }).map((ms) => [...tree, ...ms]);
});

/** Source trees: valid ones, valid ones with a few hostile entries, and hostile ones. */
export const sourceTreeArb: fc.Arbitrary<FuzzTree> = fc.oneof(validTreeArb, mutatedTreeArb, hostileTreeArb);
