/**
 * `s6rc db pipeline` prints what s6-rc-db 0.7 prints: one `producer/consumer`
 * line per link, from the last consumer in post-order (a producer's own
 * feeders before its link), producers of one consumer by name. A longrun in
 * no pipeline prints its own name, as the s6-rc-db page says.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileOrThrow, s6rc, tempDir } from '../helpers/cli.js';
import { bundle, longrun, oneshot, writeTree, type Tree } from '../helpers/sourceTree.js';

/** A longrun feeding `consumer` (producer-for) and fed by `producers` (consumer-for, written as given). */
const piped = (name: string, consumer: string | null, producers: string[] = [], extra: Tree = {}): Tree =>
  longrun(name, {
    ...(consumer === null ? {} : { 'producer-for': `${consumer}\n` }),
    ...(producers.length ? { 'consumer-for': producers.join('\n') + '\n' } : {}),
    ...extra,
  });

let t: ReturnType<typeof tempDir>;
let compiled: string;

beforeAll(() => {
  t = tempDir('s6rc-db-pipeline-');
  const src = writeTree(join(t.dir, 'src'), {
    // Fan-in: web1 and web2 feed collect, which feeds logger. consumer-for lists web2 first.
    ...piped('web1', 'collect'),
    ...piped('web2', 'collect'),
    ...piped('collect', 'logger', ['web2', 'web1']),
    ...piped('logger', null, ['collect']),
    // A producer with a feeder of its own: feed → alpha; alpha and zeta → merge.
    ...piped('feed', 'alpha'),
    ...piped('alpha', 'merge', ['feed']),
    ...piped('zeta', 'merge'),
    ...piped('merge', null, ['zeta', 'alpha']),
    // Linear, named: gen → filter → sink.
    ...piped('gen', 'filter'),
    ...piped('filter', 'sink', ['gen']),
    ...piped('sink', null, ['filter'], { 'pipeline-name': 'linear-pipe\n' }),
    ...longrun('lone'),
    ...oneshot('once'),
    ...bundle('group', ['lone', 'once']),
  });
  compiled = compileOrThrow(join(t.dir, 'compiled'), src);
});
afterAll(() => t?.cleanup());

const db = (...args: string[]) => s6rc(['db', '-c', compiled, ...args]);
const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });

describe('db pipeline', () => {
  const FAN_IN = 'web1/collect\nweb2/collect\ncollect/logger\n';
  const NESTED = 'feed/alpha\nalpha/merge\nzeta/merge\n';
  const LINEAR = 'gen/filter\nfilter/sink\n';

  it.each([
    ['web1', FAN_IN],
    ['web2', FAN_IN],
    ['collect', FAN_IN],
    ['logger', FAN_IN],
    ['feed', NESTED],
    ['alpha', NESTED],
    ['zeta', NESTED],
    ['merge', NESTED],
    ['gen', LINEAR],
    ['filter', LINEAR],
    ['sink', LINEAR],
  ])('from %s: every link of its pipeline, producers first', (name, stdout) => {
    expect(db('pipeline', name)).toEqual(ok(stdout));
  });

  it('a longrun in no pipeline: its name, as the page says', () => {
    expect(db('pipeline', 'lone')).toEqual(ok('lone\n'));
  });

  it.each([
    ['once', 'once is a oneshot, not a longrun'],
    ['group', 'group is a bundle, not a longrun'],
    ['linear-pipe', 'linear-pipe is a bundle, not a longrun'],
  ])('%s: exit 5', (name, message) => {
    expect(db('pipeline', name)).toEqual({ code: 5, stdout: '', stderr: `s6rc: fatal: ${message}\n` });
  });
});

describe('db pipeline on a 5,000-deep linear pipeline', () => {
  const DEPTH = 5_000;
  const name = (i: number) => `p${String(i).padStart(4, '0')}`;
  let deep: string;

  beforeAll(() => {
    const tree: Tree = {};
    for (let i = 0; i < DEPTH; i++) {
      Object.assign(tree, piped(name(i), i < DEPTH - 1 ? name(i + 1) : null, i > 0 ? [name(i - 1)] : []));
    }
    deep = compileOrThrow(join(t.dir, 'deep.compiled'), writeTree(join(t.dir, 'deep'), tree));
  }, 60_000);

  it('prints every link from any member, no stack overflow', () => {
    const links = Array.from({ length: DEPTH - 1 }, (_, i) => `${name(i)}/${name(i + 1)}\n`).join('');
    for (const member of [name(0), name(DEPTH / 2), name(DEPTH - 1)]) {
      expect(s6rc(['db', '-c', deep, 'pipeline', member], { maxBuffer: 1 << 20 })).toEqual(ok(links));
    }
  });
});
