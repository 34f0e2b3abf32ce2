/**
 * Layers point one way (docs/ARCHITECTURE.md): machines/ imports nothing of
 * ours but machines/; store/ never imports actors/ or cli/; actors/ never
 * imports cli/; protocol/ (shared by the supervisor and its clients) imports
 * only protocol/ and machines/; api/ (the Node API) only protocol/,
 * machines/' errors and types, and store/events/, and nothing but tests and
 * examples imports it. Every SQL statement lives in store/.
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

/**
 * The top-level folders of ours each file of `dir` imports (static, dynamic and type imports alike),
 * with the module imported and whether the import is of types only.
 */
function importedLayers(dir: string): { file: string; layer: string; target: string; typeOnly: boolean }[] {
  const found: { file: string; layer: string; target: string; typeOnly: boolean }[] = [];
  for (const file of sources(dir)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(import\s+type\s[^;]*?from\s+|export\s+type\s[^;]*?from\s+|from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[2]));
      found.push({ file, layer: target.split('/')[0], target, typeOnly: /^(import|export)\s+type\s/.test(m[1]) });
    }
  }
  return found;
}

const RULES: Record<string, string[]> = {
  machines: ['machines'],
  protocol: ['protocol', 'machines'],
  store: ['store', 'machines'],
  actors: ['actors', 'store', 'machines', 'protocol'],
  api: ['api', 'protocol', 'machines', 'store'],
};

/** Every folder of code but api/ itself, tests and examples. */
const NOT_API = ['machines', 'protocol', 'store', 'actors', 'cli', 'bench'];

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(RULES)) {
    it(`${layer}/ imports only ${allowed.join(', ')}`, () => {
      const wrong = importedLayers(layer).filter((i) => !allowed.includes(i.layer));
      expect(wrong).toEqual([]);
    });
  }
});

describe('the Node API (api/)', () => {
  it('imports of machines/ only its errors (code) and types, of store/ only store/events/', () => {
    const wrong = importedLayers('api').filter(
      (i) => (i.layer === 'machines' && !i.typeOnly && i.target !== 'machines/errors.js') || (i.layer === 'store' && !i.target.startsWith('store/events/')),
    );
    expect(wrong).toEqual([]);
  });

  it('is imported by nothing but tests and examples', () => {
    expect(NOT_API.flatMap(importedLayers).filter((i) => i.layer === 'api')).toEqual([]);
  });
});

describe('SQL', () => {
  it('lives in store/ only: nothing else opens SQLite or prepares a statement', () => {
    const outside = ['machines', 'protocol', 'actors', 'cli', 'api'].flatMap(sources);
    const offenders = outside.filter((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      return /from ['"]better-sqlite3['"]|import\(['"]better-sqlite3['"]\)|\.prepare\(|\.pragma\(/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
