/**
 * Writes a `CompiledModel` as one SQLite file: everything in one transaction,
 * into a temporary file beside `compiled`, fsynced, then linked into place.
 * On any failure the temporary file is removed and `compiled` never appears
 * half-written. An existing `compiled` is refused (s6-rc-compile does too).
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EXIT, Fatal, systemFatal } from '../../cli/fatal.js';
import { graphChecksum, readGraphRows } from './graphRows.js';
import type { CompiledModel } from './model.js';
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
  if (existsSync(path)) throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    let db: Database.Database;
    try {
      db = new Database(tmp);
    } catch (err) {
      throw systemFatal(`unable to create ${tmp}`, err, program);
    }
    try {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.transaction(() => {
        // References may point forward (a producer to its consumer): check them at commit.
        db.pragma('defer_foreign_keys = ON');
        db.exec(SCHEMA);
        insertModel(db, model, opts.sources ?? []);
      })();
    } finally {
      db.close();
    }
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publish(tmp, path, program);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof Fatal) throw err;
    throw systemFatal(`unable to write ${path}`, err, program);
  }
}

/** link() refuses to replace an existing file, so a database that appeared meanwhile is never clobbered. */
function publish(tmp: string, path: string, program: string): void {
  try {
    linkSync(tmp, path);
    rmSync(tmp, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw systemFatal(`unable to create ${path}`, err, program);
    // Filesystems without hard links: rename, after checking again.
    if (existsSync(path)) throw new Fatal(EXIT.system, `${path} already exists (s6rc compile never overwrites a database)`, program);
    renameSync(tmp, path);
  }
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function insertModel(db: Database.Database, model: CompiledModel, sources: string[]): void {
  const names = [...model.services.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const id = new Map(names.map((n, i) => [n, i + 1]));
  const idOf = (name: string): number => {
    const i = id.get(name);
    if (i === undefined) throw new Error(`model refers to unknown service ${name}`);
    return i;
  };
  const insService = db.prepare('INSERT INTO services VALUES (?, ?, ?, ?, ?, ?)');
  const insLongrun = db.prepare('INSERT INTO longruns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insCommand = db.prepare('INSERT INTO commands VALUES (?, ?, ?, ?)');
  const insDependency = db.prepare('INSERT INTO dependencies VALUES (?, ?)');
  const insContent = db.prepare('INSERT INTO contents VALUES (?, ?)');
  const insAtomic = db.prepare('INSERT INTO bundle_atomics VALUES (?, ?)');
  const insFile = db.prepare('INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)');
  const command = (sid: number, direction: string, c: { kind: 'argv'; argv: string[] } | { kind: 'script'; script: string }) =>
    insCommand.run(sid, direction, c.kind, c.kind === 'argv' ? JSON.stringify(c.argv) : c.script);

  for (const name of names) {
    const s = model.services.get(name)!;
    const sid = idOf(name);
    const atomic = s.type !== 'bundle';
    insService.run(sid, name, s.type, s.essential ? 1 : 0, atomic ? s.timeoutUp : 0, atomic ? s.timeoutDown : 0);
    if (s.type === 'bundle') {
      for (const m of s.contents) insContent.run(sid, idOf(m));
      for (const a of s.atomics) insAtomic.run(sid, idOf(a));
      continue;
    }
    for (const d of s.dependencies) insDependency.run(sid, idOf(d));
    if (s.type === 'oneshot') {
      command(sid, 'up', s.up);
      if (s.down) command(sid, 'down', s.down);
      continue;
    }
    insLongrun.run(
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
    );
    for (const f of s.files) insFile.run(sid, f.path, f.kind, f.mode, f.content, sha256(f.content));
  }
  const insPipeline = db.prepare('INSERT INTO pipelines VALUES (?, ?)');
  const insMember = db.prepare('INSERT INTO pipeline_members VALUES (?, ?, ?)');
  model.pipelines.forEach((p, i) => {
    insPipeline.run(i + 1, p.name);
    p.members.forEach((m, pos) => insMember.run(i + 1, pos, idOf(m)));
  });
  const insMeta = db.prepare('INSERT INTO meta VALUES (?, ?)');
  insMeta.run('schema_version', String(SCHEMA_VERSION));
  insMeta.run('sources', JSON.stringify(sources));
  insMeta.run('checksum', graphChecksum(readGraphRows(db)));
}
