/**
 * Writes a `CompiledModel` as one SQLite file: everything in one transaction,
 * into a temporary file beside `compiled`, fsynced, then linked into place.
 * On any failure the temporary file is removed and `compiled` never appears
 * half-written. An existing `compiled` is refused (s6-rc-compile does too).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { fs } from './nodeFs.js';
import { basename, dirname, join } from 'node:path';
import { EXIT, Fatal, systemFatal } from '../../machines/errors.js';
import { graphChecksum } from './graphRows.js';
import { modelRows } from './modelRows.js';
import { headerProblem } from './fileHeader.js';
import type { CompiledModel } from '../../machines/model.js';
import { APPLICATION_ID, SCHEMA, SCHEMA_VERSION } from './schema.js';

export interface WriteOptions {
  /** Source directories, recorded in `meta` for humans. */
  sources?: string[];
  /** Program prefix of error messages. */
  program?: string;
}

/** Writes `model` to `path`, which must not exist; throws `Fatal` 111 on any I/O failure. */
export function writeCompiled(model: CompiledModel, path: string, opts: WriteOptions = {}): void {
  const program = opts.program ?? 's6rc';
  if (fs.existsSync(path)) throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    let db: Database.Database;
    try {
      // Created here first so a failure names its errno (EACCES, ENOENT, EROFS...), not SQLITE_CANTOPEN.
      fs.closeSync(fs.openSync(tmp, 'wx', 0o644));
      db = openDatabase(tmp);
    } catch (err) {
      throw systemFatal(`unable to create ${tmp}`, err, program);
    }
    try {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      // Multi-row INSERTs keep statement journals; past 64 KiB SQLite spills them to a temporary
      // file: 2,400 page writes for 3000 services. Kept in memory instead.
      db.pragma('temp_store = MEMORY');
      // The model is validated before it is written; \`db check\` runs foreign_key_check.
      db.pragma('foreign_keys = OFF');
      // One write transaction, pragmas included: readers expect a change counter of exactly 1.
      db.transaction(() => {
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
        db.exec(SCHEMA);
        insertModel(db, model, opts.sources ?? []);
      })();
    } finally {
      db.close();
    }
    const problem = headerProblem(tmp);
    if (problem) throw new Fatal(EXIT.system, `wrote an unreadable database (${problem}): please report this`, program);
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    publish(tmp, path, program);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (err instanceof Fatal) throw err;
    throw systemFatal(`unable to write ${path}`, err, program);
  }
}

/** link() refuses to replace an existing file, so a database that appeared meanwhile is never clobbered. */
function publish(tmp: string, path: string, program: string): void {
  try {
    fs.linkSync(tmp, path);
    fs.rmSync(tmp, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw systemFatal(`unable to create ${path}`, err, program);
    // Filesystems without hard links: rename, after checking again.
    if (fs.existsSync(path)) throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
    fs.renameSync(tmp, path);
  }
}

/** Rows per INSERT statement: fewer calls into SQLite, well under its 32766 variables. */
const BATCH = 64;

/**
 * Inserts `rows` into `table` with multi-row INSERTs. With `last`, `last.values[i]` ends `rows[i]`
 * and `last.columns` names every column (files' contents, which the checksummed rows leave out).
 */
function insertRows(db: Database.Database, table: string, rows: unknown[][], last?: { columns: string; values: unknown[] }): void {
  if (rows.length === 0) return;
  const given = rows[0].length;
  const width = given + (last ? 1 : 0);
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const into = last ? `${table} (${last.columns})` : table;
  const statement = (n: number) => db.prepare(`INSERT INTO ${into} VALUES ${new Array(n).fill(tuple).join(', ')}`);
  // One parameter array, refilled for every batch: no per-batch slices to collect.
  const params = new Array<unknown>(BATCH * width);
  const fill = (from: number, n: number): unknown[] => {
    if (n * width !== params.length) params.length = n * width;
    for (let r = 0, k = 0; r < n; r++) {
      const row = rows[from + r];
      for (let c = 0; c < given; c++) params[k++] = row[c];
      if (last) params[k++] = last.values[from + r];
    }
    return params;
  };
  const full = rows.length >= BATCH ? statement(BATCH) : null;
  let i = 0;
  for (; full && i + BATCH <= rows.length; i += BATCH) full.run(fill(i, BATCH));
  if (i < rows.length) statement(rows.length - i).run(fill(i, rows.length - i));
}

function insertModel(db: Database.Database, model: CompiledModel, sources: string[]): void {
  const { rows, contents } = modelRows(model);
  insertRows(db, 'services', rows.services);
  insertRows(db, 'longruns', rows.longruns);
  insertRows(db, 'commands', rows.commands);
  insertRows(db, 'dependencies', rows.dependencies);
  insertRows(db, 'contents', rows.contents);
  insertRows(db, 'bundle_atomics', rows.bundleAtomics);
  insertRows(db, 'pipelines', rows.pipelines);
  insertRows(db, 'pipeline_members', rows.pipelineMembers);
  insertRows(db, 'files', rows.files, { columns: 'service_id, path, kind, mode, sha256, content', values: contents });
  insertRows(db, 'settings', rows.settings);
  insertRows(db, 'meta', [
    ['schema_version', String(SCHEMA_VERSION)],
    ['sources', JSON.stringify(sources)],
    ['checksum', graphChecksum(rows)],
  ]);
}
