import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startScan, type Scan } from '../../store/source/nativeScan.js';
import { compileSources } from '../../store/source/compileSources.js';
import { generateSource } from '../../bench/generate.js';
import { bundle, longrun, oneshot, scratch, writeTree } from '../helpers/sourceTree.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

const usable = process.platform === 'linux' && process.env.S6RC_SCAN !== 'fs';

/** startScan, which must not be null where the addon is expected. */
function scan(dirs: string[]): Scan {
  const started = startScan(dirs);
  if (started === null) throw new Error('native/scan.c is not built (npm install builds it; S6RC_SCAN=fs turns it off)');
  return started;
}

describe.runIf(usable)('the native scanner (native/scan.c)', () => {
  it('reads entries, regular files whole and *.d listings, and leaves everything else to fs', () => {
    const big = 'x'.repeat(200_000) + '\n';
    const root = writeTree(join(dir, 'src'), {
      'a/type': 'longrun\n',
      'a/run': big,
      'a/empty': '',
      'a/dependencies.d/x': '',
      'a/dependencies.d/.hidden': '',
      'a/data/check': 'ok\n',
      'a/notes.d': 'a file, not a directory\n',
      'a/finish': { symlink: 'run' },
    });
    const s = scan([join(root, 'a')]);
    try {
      const a = s.take(0)!;
      expect([...a.names].sort()).toEqual(readdirSync(join(root, 'a')).sort());
      const at = (name: string) => a.names.indexOf(name);
      const content = (name: string) => a.bytes.toString('utf8', a.offsets[at(name)], a.offsets[at(name)] + a.lengths[at(name)]);
      expect(content('type')).toBe('longrun\n');
      expect(content('run')).toBe(big);
      expect(a.lengths[at('empty')]).toBe(0);
      expect(content('notes.d')).toBe('a file, not a directory\n');
      expect([...a.lists[at('dependencies.d')]!].sort()).toEqual(['.hidden', 'x']);
      // Not read: a directory that is no *.d, and a symlink (fs follows it, and says why if it cannot).
      for (const name of ['data', 'finish', 'dependencies.d']) expect(a.lengths[at(name)]).toBe(-1);
      for (const name of ['data', 'finish', 'type', 'notes.d']) expect(a.lists[at(name)]).toBeNull();
      expect(s.take(0)).toBeNull(); // taken once
    } finally {
      s.stop();
    }
  });

  it('answers null for what it cannot read, and for everything once stopped', () => {
    const root = writeTree(join(dir, 'src'), { ...oneshot('a'), ...oneshot('b'), 'not-a-dir': 'x' });
    const s = scan([join(root, 'missing'), join(root, 'not-a-dir'), join(root, 'a'), join(root, 'b')]);
    expect(s.take(0)).toBeNull();
    expect(s.take(1)).toBeNull();
    expect(s.take(2)!.names.sort()).toEqual(['type', 'up']);
    s.stop();
    s.stop();
    expect(s.take(3)).toBeNull();
  });

  it('reads many directories in order while the caller takes them (300, two readers)', () => {
    const { names } = generateSource(join(dir, 'gen'), { shape: 'dag', count: 300, kind: 'longrun', seed: 7 });
    const s = scan(names.map((n) => join(dir, 'gen', n)));
    try {
      for (let i = 0; i < names.length; i++) expect(s.take(i)!.names.sort()).toEqual(readdirSync(join(dir, 'gen', names[i])).sort());
    } finally {
      s.stop();
    }
  });

  it('can be stopped before everything is taken, and rejects bad arguments', () => {
    const { names } = generateSource(join(dir, 'gen'), { shape: 'chain', count: 200, kind: 'oneshot' });
    const s = scan(names.map((n) => join(dir, 'gen', n)));
    expect(s.take(0)).not.toBeNull();
    s.stop();
    expect(s.take(199)).toBeNull();
    expect(() => s.take(200)).toThrow(TypeError);
  });
});

describe('compile reads the same through the scanner as through fs alone', () => {
  const same = (sources: string[]) => expect(compileSources(sources)).toEqual(compileSources(sources, { scan: false }));

  it('the webstack example', () => same(['examples/webstack']));

  it('a generated DAG of longruns and a chain of oneshots', () => {
    generateSource(join(dir, 'dag'), { shape: 'dag', count: 150, kind: 'longrun', seed: 3 });
    generateSource(join(dir, 'chain'), { shape: 'chain', count: 100, kind: 'oneshot', bundle: 'ones' });
    same([join(dir, 'dag')]);
    same([join(dir, 'chain')]);
  });

  it('symlinks, data/ and env/, *.d lists with dot files, old-style files, pipelines', () => {
    const root = writeTree(join(dir, 'src'), {
      ...longrun('db', { 'notification-fd': '3\n', 'data/conf/db.conf': 'x=1\n', 'env/PORT': '5432\n', 'data/link': { symlink: 'conf/db.conf' } }),
      ...longrun('api', { 'producer-for': 'api-log\n', 'dependencies.d/db': '', 'dependencies.d/.ignored': '', 'timeout-kill': '2000\n', 'down-signal': 'HUP\n' }),
      ...longrun('api-log', { 'consumer-for': 'api\n', 'pipeline-name': 'api-pipe\n', notifyoncheck: '-n 3\n' }),
      ...oneshot('migrate', 'foreground { echo "up" }\nexit 0\n', { dependencies: 'db\n', down: '#!/bin/sh\necho down\n' }),
      ...bundle('stack', ['api-pipe', 'migrate'], { 'flag-essential': '' }),
      'real/type': 'oneshot\n',
      'real/up': { symlink: 'up.execline' },
      'real/up.execline': '/bin/true\n',
    });
    symlinkSync(join(root, 'real'), join(root, 'linked'));
    same([root]);
  });
});
