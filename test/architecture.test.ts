/**
 * Layers point one way (docs/ARCHITECTURE.md): machines/ imports nothing of
 * ours but machines/; store/ never imports actors/ or cli/; actors/ never
 * imports cli/; protocol/ (shared by the supervisor and its thin clients)
 * imports only protocol/ and machines/. Every SQL statement lives in store/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The top-level folders of ours each file of `dir` imports (static, dynamic and type imports alike). */
function importedLayers(dir: string): { file: string; layer: string }[] {
  const found: { file: string; layer: string }[] = [];
  for (const file of sources(dir)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1]));
      found.push({ file, layer: target.split('/')[0] });
    }
  }
  return found;
}

const RULES: Record<string, string[]> = {
  machines: ['machines'],
  protocol: ['protocol', 'machines'],
  store: ['store', 'machines'],
  actors: ['actors', 'store', 'machines', 'protocol'],
};

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(RULES)) {
    it(`${layer}/ imports only ${allowed.join(', ')}`, () => {
      const wrong = importedLayers(layer).filter((i) => !allowed.includes(i.layer));
      expect(wrong).toEqual([]);
    });
  }
});

describe('SQL', () => {
  it('lives in store/ only: nothing else opens SQLite or prepares a statement', () => {
    const outside = ['machines', 'protocol', 'actors', 'cli'].flatMap(sources);
    const offenders = outside.filter((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      return /from ['"]better-sqlite3['"]|import\(['"]better-sqlite3['"]\)|\.prepare\(|\.pragma\(/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
