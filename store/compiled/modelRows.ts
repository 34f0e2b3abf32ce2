/**
 * A `CompiledModel` as the rows of the graph tables, in exactly the order and
 * types `readGraphRows` reads them back, so the writer can checksum what it
 * writes without reading it back (a test checks the two agree).
 */
import { createHash } from 'node:crypto';
import type { GraphRows } from './graphRows.js';
import type { Command, CompiledModel } from '../../machines/model.js';
import { settingsRows } from './settings.js';

export interface ModelRows {
  rows: GraphRows;
  /** The bytes of `rows.files[i]`. */
  contents: Buffer[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byNumber = (a: number, b: number): number => a - b;

/** SQLite's BINARY collation compares UTF-8 bytes; JS compares UTF-16 units. They agree on ASCII. */
export function byUtf8(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return byName(a, b);
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Service files repeat a lot (`notification-fd`, shared run scripts): hash each
 * distinct small content once. The source reader shares one buffer per
 * distinct small content, so most lookups hit by identity, without a key string.
 */
function hasher(): (content: Buffer) => string {
  const known = new Map<string, string>();
  const byBuffer = new Map<Buffer, string>();
  return (content) => {
    const same = byBuffer.get(content);
    if (same !== undefined) return same;
    if (content.length > 4096) return createHash('sha256').update(content).digest('hex');
    const key = content.toString('latin1');
    let sha = known.get(key);
    if (sha === undefined) known.set(key, (sha = createHash('sha256').update(content).digest('hex')));
    byBuffer.set(content, sha);
    return sha;
  };
}

export function modelRows(model: CompiledModel): ModelRows {
  const sha256 = hasher();
  const names = [...model.services.keys()].sort(byName);
  const id = new Map<string, number>();
  names.forEach((n, i) => id.set(n, i + 1));
  const idOf = (name: string): number => {
    const i = id.get(name);
    if (i === undefined) throw new Error(`model refers to unknown service ${name}`);
    return i;
  };
  const ids = (list: string[]): number[] => list.map(idOf).sort(byNumber);
  const rows: GraphRows = { services: [], longruns: [], commands: [], dependencies: [], contents: [], bundleAtomics: [], pipelines: [], pipelineMembers: [], files: [], settings: [] };
  const contents: Buffer[] = [];
  const command = (c: Command): [string, string] => (c.kind === 'argv' ? ['argv', JSON.stringify(c.argv)] : ['script', c.script]);

  for (const name of names) {
    const s = model.services.get(name)!;
    const sid = id.get(name)!;
    if (s.type === 'bundle') {
      rows.services.push([sid, name, s.type, s.essential ? 1 : 0, 0, 0]);
      for (const m of ids(s.contents)) rows.contents.push([sid, m]);
      for (const a of ids(s.atomics)) rows.bundleAtomics.push([sid, a]);
      continue;
    }
    rows.services.push([sid, name, s.type, s.essential ? 1 : 0, s.timeoutUp, s.timeoutDown]);
    for (const d of ids(s.dependencies)) rows.dependencies.push([sid, d]);
    for (const [key, value] of settingsRows(s)) rows.settings.push([sid, key, value]);
    if (s.type === 'oneshot') {
      // ORDER BY direction: 'down' sorts before 'reload', before 'up'.
      if (s.down) rows.commands.push([sid, 'down', ...command(s.down)]);
      if (s.reload) rows.commands.push([sid, 'reload', ...command(s.reload)]);
      rows.commands.push([sid, 'up', ...command(s.up)]);
      continue;
    }
    rows.longruns.push([
      sid,
      s.notificationFd,
      s.timeoutKill,
      s.timeoutFinish,
      s.maxDeathTally,
      s.downSignal,
      s.lockFd,
      s.notifyOnCheck ? JSON.stringify(s.notifyOnCheck) : null,
      s.producerFor === null ? null : idOf(s.producerFor),
      s.pipelineName,
    ]);
    const files = [...s.files].sort((a, b) => byUtf8(a.path, b.path));
    for (const f of files) {
      rows.files.push([sid, f.path, f.kind, f.mode, sha256(f.content)]);
      contents.push(f.content);
    }
  }
  model.pipelines.forEach((p, i) => {
    rows.pipelines.push([i + 1, p.name]);
    p.members.forEach((m, pos) => rows.pipelineMembers.push([i + 1, pos, idOf(m)]));
  });
  return { rows, contents };
}
