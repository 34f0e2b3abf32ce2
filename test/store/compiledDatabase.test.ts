import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fatal } from '../../cli/fatal.js';
import { checkCompiled } from '../../store/compiled/checkCompiled.js';
import { graphChecksum, readGraphRows } from '../../store/compiled/graphRows.js';
import { loadCompiled } from '../../store/compiled/loadCompiled.js';
import { modelRows } from '../../store/compiled/modelRows.js';
import { openCompiledQuick } from '../../store/compiled/openCompiled.js';
import type { Longrun } from '../../machines/model.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../store/compiled/schema.js';
import { writeCompiled } from '../../store/compiled/writeCompiled.js';
import { compileSources } from '../../store/source/compileSources.js';
import { generateSource } from '../../bench/generate.js';
import { longrun, oneshot, scratch, writeTree } from '../helpers/sourceTree.js';
import { forgeCounter } from '../helpers/forgeHeader.js';

const WEBSTACK = resolve(__dirname, '../../examples/webstack');

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratch()));
afterEach(() => cleanup());

/** The Fatal `fn` throws, as { code, message }. */
function fatalOf(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof Fatal) return { code: err.exitCode, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

function compileWebstack(): string {
  const path = join(dir, 'compiled');
  writeCompiled(compileSources([WEBSTACK]), path);
  return path;
}

describe('round trip', () => {
  it('loads back exactly the model it wrote (webstack, every field and file)', () => {
    const model = compileSources([WEBSTACK]);
    const path = join(dir, 'compiled');
    writeCompiled(model, path);
    expect(loadCompiled(path)).toEqual(model);
  });

  it('round-trips generated DAGs, oneshot scripts, odd names and binary files', () => {
    const src = join(dir, 'src');
    generateSource(src, { shape: 'dag', count: 200, kind: 'longrun', seed: 7 });
    writeTree(src, {
      ...oneshot('script', '#!/bin/sh\nprintf "%s\\n" "ünï"\n'),
      ...oneshot('with space', 'echo "tab\there"\n', { down: 'echo bye\n' }),
      ...longrun('bin', { 'data/blob': { content: '\u0000\u00ff\u0001', mode: 0o640 }, 'data/ü-file': 'x' }),
      // s6-rc 0.7's files: settings rows and a `reload` command, checksummed as the rest.
      ...longrun('reloadable', { 'reload-signal': 'USR1\n', 'flag-timeout-killpg': '' }),
      ...oneshot('refresh', 'true\n', { reload: 'echo again\n' }),
    });
    writeFileSync(join(src, 'bin/data/raw'), Buffer.from([0, 0xff, 0xfe, 0x80]));
    const model = compileSources([src]);
    const path = join(dir, 'compiled');
    writeCompiled(model, path);
    const loaded = loadCompiled(path);
    expect(loaded).toEqual(model);
    const raw = (loaded.services.get('bin') as Longrun).files.find((f) => f.path === 'data/raw')!;
    expect([...raw.content]).toEqual([0, 0xff, 0xfe, 0x80]);
    expect(loaded.services.get('reloadable')).toMatchObject({ reloadSignal: 'SIGUSR1', killProcessGroup: true });
    expect(loaded.services.get('refresh')).toMatchObject({ reload: { kind: 'argv', argv: ['echo', 'again'] } });
  });

  it('checksums in the writer exactly what readers read back', () => {
    const model = compileSources([WEBSTACK]);
    const path = join(dir, 'compiled');
    writeCompiled(model, path);
    const db = new Database(path, { readonly: true });
    try {
      const rows = readGraphRows(db);
      expect(rows).toEqual(modelRows(model).rows);
      expect(db.prepare("SELECT value FROM meta WHERE key = 'checksum'").pluck().get()).toBe(graphChecksum(rows));
    } finally {
      db.close();
    }
  });

  it('marks the file as ours and versioned, and leaves no journal or temporary file', () => {
    const path = compileWebstack();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    expect(readdirSync(dir)).toEqual(['compiled']);
  });

  it('passes db check', () => {
    expect(() => checkCompiled(compileWebstack())).not.toThrow();
  });

  it('loads without file contents when asked', () => {
    const model = loadCompiled(compileWebstack(), { fileContents: false });
    const db = model.services.get('db') as Longrun;
    expect(db.files.map((f) => f.path)).toContain('run');
    expect(db.files.every((f) => f.content.length === 0)).toBe(true);
  });
});

describe('writing safely', () => {
  it('refuses an existing target with 111 and leaves it untouched', () => {
    const path = join(dir, 'compiled');
    writeFileSync(path, 'precious');
    expect(fatalOf(() => writeCompiled(compileSources([WEBSTACK]), path))).toEqual({ code: 111, message: `${path} already exists (s6rc compile never overwrites a database)` });
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['compiled']);
  });

  it("fails with 111 when the target's directory does not exist", () => {
    const f = fatalOf(() => writeCompiled(compileSources([WEBSTACK]), join(dir, 'missing', 'compiled')));
    expect(f.code).toBe(111);
    expect(f.message).toMatch(/^unable to create .*missing\/\.compiled\.tmp-.*: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes its temporary file when writing fails half-way', () => {
    const model = compileSources([WEBSTACK]);
    // A dependency on a service the model does not define fails inside the transaction.
    (model.services.get('api') as Longrun).dependencies.push('ghost');
    const path = join(dir, 'compiled');
    expect(fatalOf(() => writeCompiled(model, path)).code).toBe(111);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('detecting bad databases: exit 4', () => {
  function edit(path: string, sql: string): void {
    const db = new Database(path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  }

  it('detects any write through SQLite from the header alone (change counter)', () => {
    const path = compileWebstack();
    edit(path, "UPDATE services SET type = 'oneshot' WHERE name = 'db'");
    const expected = { code: 4, message: `invalid compiled database ${path}: the database was modified after compilation` };
    expect(fatalOf(() => loadCompiled(path))).toEqual(expected);
    expect(fatalOf(() => openCompiledQuick(path))).toEqual(expected);
  });

  it('detects a tampered graph row by its checksum when the header was forged', () => {
    const path = compileWebstack();
    edit(path, "UPDATE services SET type = 'oneshot' WHERE name = 'db'");
    forgeCounter(path);
    expect(fatalOf(() => loadCompiled(path))).toEqual({ code: 4, message: `invalid compiled database ${path}: checksum mismatch: the database was modified after compilation` });
  });

  it('detects a switch to WAL mode and bytes appended to the file', () => {
    const path = compileWebstack();
    const copy = join(dir, 'appended');
    writeFileSync(copy, Buffer.concat([readFileSync(path), Buffer.from('junk')]));
    expect(fatalOf(() => loadCompiled(copy)).message).toBe(`invalid compiled database ${copy}: 4 bytes appended after the database`);
    edit(path, 'PRAGMA journal_mode = WAL');
    expect(fatalOf(() => loadCompiled(path)).code).toBe(4);
  });

  it('detects an added dependency', () => {
    const path = compileWebstack();
    edit(path, 'INSERT INTO dependencies VALUES ((SELECT id FROM services WHERE name = \'db\'), (SELECT id FROM services WHERE name = \'api\'))');
    expect(fatalOf(() => loadCompiled(path)).code).toBe(4);
  });

  it('detects a modified service file in db check (per-file sha256)', () => {
    const path = compileWebstack();
    edit(path, "UPDATE files SET content = CAST('#!/bin/sh\nrm -rf ~\n' AS BLOB) WHERE path = 'run' AND service_id = (SELECT id FROM services WHERE name = 'db')");
    forgeCounter(path);
    expect(fatalOf(() => checkCompiled(path))).toEqual({ code: 4, message: `invalid compiled database ${path}: content of service file run does not match its sha256` });
  });

  it('detects a truncated file', () => {
    const path = compileWebstack();
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const f = fatalOf(() => loadCompiled(path));
    expect(f.code).toBe(4);
    expect(f.message).toMatch(new RegExp(`^invalid compiled database ${path}: `));
    expect(fatalOf(() => checkCompiled(path)).code).toBe(4);
  });

  it('detects a file that is not SQLite at all', () => {
    const path = join(dir, 'compiled');
    writeFileSync(path, 'hello, I am not a database\n'.repeat(100));
    expect(fatalOf(() => loadCompiled(path))).toEqual({ code: 4, message: `invalid compiled database ${path}: file is not a database` });
  });

  it("detects another application's SQLite file and another schema version", () => {
    const other = join(dir, 'other');
    edit(other, 'CREATE TABLE t (x)');
    expect(fatalOf(() => loadCompiled(other))).toEqual({ code: 4, message: `invalid compiled database ${other}: not an s6rc compiled database` });
    const path = compileWebstack();
    edit(path, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    expect(fatalOf(() => loadCompiled(path)).message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}, this s6rc reads versions 1 and ${SCHEMA_VERSION} \\(recompile the sources\\)`));
  });

  it('reads a database of schema version 1 (no settings table): every setting at its default', () => {
    const path = compileWebstack();
    const current = loadCompiled(path);
    edit(path, 'DROP TABLE settings; PRAGMA user_version = 1');
    forgeCounter(path);
    expect(loadCompiled(path)).toEqual(current);
  });

  it('detects a directory (an s6-rc compiled database) and a missing file', () => {
    expect(fatalOf(() => loadCompiled(dir)).code).toBe(4);
    expect(fatalOf(() => loadCompiled(join(dir, 'nope'))).code).toBe(111);
  });

  it('db check finds a dependency cycle even with a valid checksum', async () => {
    const path = compileWebstack();
    const { graphProblem } = await import('../../store/compiled/checkCompiled.js');
    const model = loadCompiled(path);
    (model.services.get('db') as Longrun).dependencies.push('api');
    model.dependents.get('api')!.push('db');
    expect(graphProblem(model)).toMatch(/^dependency cycle among /);
  });
});
