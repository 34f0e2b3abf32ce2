/**
 * The pictures and the read-side commands on a 10,000-deep dependency chain
 * (and on bundles nested 10,000 deep): every one exits 0, prints no stack
 * trace, and prints an amount of text that grows with the graph, not with its
 * depth squared (bounded indentation).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSource } from '../../bench/generate.js';
import { openEventStore } from '../../store/events/open.js';
import { s6rc, tempDir, type CliResult } from '../helpers/cli.js';
import { writeTree } from '../helpers/sourceTree.js';
import { oneshotUp, writeChange } from './fixtures/eventLog.js';

const DEPTH = 10_000;
const MB = 1 << 20;
const env = { ...process.env, S6RC_STORE: '', S6RC_LIVE: '' };
const run = (args: string[]): CliResult => s6rc(args, { env, maxBuffer: 64 * MB });

let t: ReturnType<typeof tempDir>;
let compiled: string;
let live: string;
let nested: string;
let names: string[];

beforeAll(() => {
  t = tempDir('s6rc-deep-');
  // s0001 depends on s0000, ..., s9999 on s9998; bundle `all` holds them all.
  ({ names } = generateSource(join(t.dir, 'chain'), { shape: 'chain', count: DEPTH, kind: 'oneshot' }));
  compiled = join(t.dir, 'chain.compiled');
  const c = run(['compile', compiled, join(t.dir, 'chain')]);
  if (c.code !== 0) throw new Error(c.stderr);
  // A live directory as init leaves it, with one change that brought the whole chain up, one service after another.
  live = join(t.dir, 'live');
  mkdirSync(live, { mode: 0o700 });
  copyFileSync(compiled, join(live, 'compiled'));
  const store = openEventStore(join(live, 'events.db'));
  const t0 = Date.parse('2026-11-22T03:00:00Z');
  store.startBoot(live, join(live, 'compiled'), t0 - 1000);
  writeChange(store, t0, ['s6rc', 'change', 'all'], names.flatMap((n, i) => oneshotUp(n, i * 3, i * 3 + 2)), 0, 'root (uid 0)');
  store.close();
  // b0 holds the oneshot a, b1 holds b0, ..., b9999 holds b9998.
  const tree: Record<string, string> = { 'a/type': 'oneshot\n', 'a/up': '/bin/true\n' };
  for (let i = 0; i < DEPTH; i++) Object.assign(tree, { [`b${i}/type`]: 'bundle\n', [`b${i}/contents`]: `${i ? `b${i - 1}` : 'a'}\n` });
  writeTree(join(t.dir, 'nested'), tree);
  nested = join(t.dir, 'nested.compiled');
  const n = run(['compile', nested, join(t.dir, 'nested')]);
  if (n.code !== 0) throw new Error(n.stderr);
}, 120_000);

afterAll(() => t?.cleanup());

/** Exit 0, nothing on stderr (so no stack trace), and at most `maxBytes` of output. */
function ok(args: string[], maxBytes: number): string {
  const r = run(args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  expect(Buffer.byteLength(r.stdout), args.join(' ')).toBeLessThan(maxBytes);
  return r.stdout;
}

describe(`graph on a ${DEPTH}-deep chain`, () => {
  for (const where of ['-c', '-l'] as const) {
    it(`every format with ${where}`, () => {
      const source = where === '-c' ? ['-c', compiled] : ['-l', live];
      const dot = ok(['graph', ...source, '--format', 'dot'], 4 * MB);
      expect(dot).toContain('"s9998" -> "s9999";');
      const mermaid = ok(['graph', ...source, '--format', 'mermaid'], 2 * MB);
      expect(mermaid).toContain('s_s9998 --> s_s9999');
      const json = JSON.parse(ok(['graph', ...source, '--format', 'json'], 4 * MB));
      expect(json.nodes).toHaveLength(DEPTH);
      expect(json.edges).toHaveLength(DEPTH - 1);
      const html = ok(['graph', ...source, '--format', 'html'], 16 * MB);
      expect(html.match(/<g class="node /g)).toHaveLength(DEPTH);
      expect(html.match(/<g class="edge /g)).toHaveLength(DEPTH - 1);
      expect(html).toContain('a plain layered layout');
      // Left to right: each service drawn right of the one it depends on.
      const xs = [...html.matchAll(/data-service="(s\d+)"[^]*?<rect x="([\d.-]+)"/g)].map((m) => [m[1], Number(m[2])] as const);
      const x = new Map(xs);
      for (let i = 1; i < DEPTH; i += 997) expect(x.get(names[i])!).toBeGreaterThan(x.get(names[i - 1])!);
      if (where === '-l') expect(html).toContain('data-state="up"');
    });
  }
});

describe(`the event log of a ${DEPTH}-deep change`, () => {
  it('history --critical-chain: every link, indentation bounded', () => {
    const text = ok(['history', '-l', live, '--critical-chain'], 2 * MB);
    const links = text.split('\n').filter((l) => / @\S+ \+\S+$/.test(l));
    expect(links).toHaveLength(DEPTH);
    expect(links[0]).toMatch(/^s9999 @/);
    expect(links.at(-1)).toMatch(/^ +└─\[9999\] s0000 @0ms \+2ms$/);
    expect(Math.max(...links.map((l) => l.length))).toBeLessThan(100);
    const json = JSON.parse(ok(['history', '-l', live, '--critical-chain', '--json'], 4 * MB));
    expect(json.chain).toHaveLength(DEPTH);
  });

  it('plot, replay, history', () => {
    const svg = ok(['plot', '-l', live], 16 * MB);
    expect(svg.match(/<g class="bar /g)).toHaveLength(DEPTH);
    expect(svg.match(/<g class="bar [^"]* critical"/g)).toHaveLength(DEPTH);
    expect(ok(['replay', '-l', live], 2 * MB)).toContain('s9999');
    expect(Object.keys(JSON.parse(ok(['replay', '-l', live, '--json'], 2 * MB)).services)).toHaveLength(DEPTH);
    expect(ok(['history', '-l', live], 8 * MB).split('\n').length).toBeGreaterThan(3 * DEPTH);
    expect(ok(['history', '-l', live, '--changes'], 4096)).toContain('s6rc change all');
  });

  it('db all-dependencies both ways, db check', () => {
    expect(ok(['db', '-l', live, 'all-dependencies', 's9999'], MB).trim().split('\n')).toHaveLength(DEPTH);
    expect(ok(['db', '-l', live, '-d', 'all-dependencies', 's0000'], MB).trim().split('\n')).toHaveLength(DEPTH);
    ok(['db', '-l', live, 'check'], 1);
  });
});

describe(`bundles nested ${DEPTH} deep`, () => {
  it('db check passes', () => {
    ok(['db', '-c', nested, 'check'], 1);
    expect(ok(['db', '-c', nested, 'contents', `b${DEPTH - 1}`], 100)).toBe('a\n');
  });

  it('graph draws every format, outermost bundle first, indentation bounded', () => {
    const dot = ok(['graph', '-c', nested, '--format', 'dot'], 4 * MB);
    expect(dot.split('\n')[4]).toBe(`  subgraph "cluster_b${DEPTH - 1}" {`);
    expect(Math.max(...dot.split('\n').map((l) => l.length))).toBeLessThan(120);
    const mermaid = ok(['graph', '-c', nested, '--format', 'mermaid'], 4 * MB);
    expect(mermaid.split('\n')[1]).toMatch(new RegExp(`^  subgraph \\S+\\["b${DEPTH - 1}"\\]$`));
    const json = JSON.parse(ok(['graph', '-c', nested, '--format', 'json'], 4 * MB));
    const parent = new Map<string, string | null>(json.clusters.map((c: { name: string; parent: string | null }) => [c.name, c.parent]));
    for (let i = 0; i < DEPTH; i++) expect(parent.get(`b${i}`)).toBe(i === DEPTH - 1 ? null : `b${i + 1}`);
    const html = ok(['graph', '-c', nested, '--format', 'html'], MB);
    expect(html).toContain('in bundle b0');
  });
});
