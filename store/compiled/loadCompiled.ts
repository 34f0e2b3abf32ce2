/**
 * `loadCompiled(path)`: the whole compiled database in memory as a
 * `CompiledModel` (store/compiled/model.ts), verified on the way in.
 *
 * @example
 *   const model = loadCompiled('/etc/s6rc/compiled');
 *   model.services.get('api')?.type // 'longrun'
 */
import type { Command, CompiledModel, Longrun, NotifyOnCheck, Pipeline, Service, ServiceFile, ServiceType } from '../../machines/model.js';
import { invalidDatabase, openCompiled } from './openCompiled.js';
import { longrunDefaults } from './longrunDefaults.js';
import { applySetting } from './settings.js';
import type { GraphRows } from './graphRows.js';
import type Database from 'better-sqlite3';
import { Fatal } from '../../machines/errors.js';

export interface LoadOptions {
  /** Read the service-directory files' bytes (default true); without them every `content` is empty. */
  fileContents?: boolean;
  /**
   * Also run SQLite's integrity check, as `db check` does (a few ms for
   * 3000 services): what a supervisor is started or switched on, so it never
   * runs on a database `db check` refuses (a damaged page the graph's rows
   * do not touch, found by test/reliability/fuzz-files.test.ts, seed 1967100884).
   */
  integrity?: boolean;
}

/** Loads and verifies `path`; throws `Fatal` 4 for an invalid database, 111 if it cannot be opened. */
export function loadCompiled(path: string, opts: LoadOptions = {}): CompiledModel {
  const { db, rows } = openCompiled(path);
  try {
    if (opts.integrity) {
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw invalidDatabase(path, `SQLite integrity check: ${integrity}`);
    }
    return buildModel(rows, opts.fileContents === false ? [] : readFileContents(db));
  } catch (err) {
    if (err instanceof Fatal) throw err;
    throw invalidDatabase(path, (err as Error).message);
  } finally {
    db.close();
  }
}

function readFileContents(db: Database.Database): Buffer[] {
  // Same order as GraphRows.files, so contents line up with their rows.
  return db.prepare('SELECT content FROM files ORDER BY service_id, path').pluck().all() as Buffer[];
}

const EMPTY = Buffer.alloc(0);

/** Builds the model from verified rows; `contents[i]` is the bytes of `rows.files[i]`. */
export function buildModel(rows: GraphRows, contents: Buffer[]): CompiledModel {
  const nameOf: string[] = [];
  const services = new Map<string, Service>();
  const atomics: string[] = [];
  const dependents = new Map<string, string[]>();
  for (const [id, name, type, essential, timeoutUp, timeoutDown] of rows.services) {
    nameOf[id] = name;
    const base = { name, essential: essential === 1 };
    const t = type as ServiceType;
    if (t === 'bundle') {
      services.set(name, { ...base, type: 'bundle', contents: [], atomics: [] });
      continue;
    }
    atomics.push(name);
    dependents.set(name, []);
    const atomic = { ...base, timeoutUp, timeoutDown, dependencies: [] as string[] };
    if (t === 'oneshot') {
      services.set(name, { ...atomic, type: 'oneshot', up: { kind: 'argv', argv: [] }, down: null, reload: null });
    } else {
      services.set(name, { ...atomic, type: 'longrun', ...longrunDefaults() });
    }
  }
  const get = (id: number): Service => {
    const s = services.get(nameOf[id]);
    if (!s) throw new Error(`reference to unknown service id ${id}`);
    return s;
  };
  const as = <T extends ServiceType>(id: number, type: T): Extract<Service, { type: T }> => {
    const s = get(id);
    if (s.type !== type) throw new Error(`service ${s.name} is a ${s.type}, expected a ${type}`);
    return s as Extract<Service, { type: T }>;
  };

  for (const [sid, notificationFd, timeoutKill, timeoutFinish, maxDeathTally, downSignal, lockFd, noc, producerFor, pipelineName] of rows.longruns) {
    const l = as(sid, 'longrun') as Longrun;
    Object.assign(l, {
      notificationFd,
      timeoutKill,
      timeoutFinish,
      maxDeathTally,
      downSignal,
      lockFd,
      notifyOnCheck: noc === null ? null : (JSON.parse(noc) as NotifyOnCheck),
      producerFor: producerFor === null ? null : as(producerFor, 'longrun').name,
      pipelineName,
    });
    if (producerFor !== null) (as(producerFor, 'longrun') as Longrun).consumerFor.push(l.name);
  }
  for (const [sid, direction, kind, body] of rows.commands) {
    const o = as(sid, 'oneshot');
    const c: Command = kind === 'argv' ? { kind: 'argv', argv: JSON.parse(body) as string[] } : { kind: 'script', script: body };
    if (direction === 'up') o.up = c;
    else if (direction === 'down') o.down = c;
    else o.reload = c;
  }
  for (const [sid, did] of rows.dependencies) {
    const s = get(sid);
    const d = get(did);
    if (s.type === 'bundle' || d.type === 'bundle') throw new Error(`dependency ${s.name} -> ${d.name} involves a bundle`);
    s.dependencies.push(d.name);
    dependents.get(d.name)!.push(s.name);
  }
  for (const [bid, mid] of rows.contents) as(bid, 'bundle').contents.push(get(mid).name);
  for (const [sid, key, value] of rows.settings) {
    const s = get(sid);
    if (s.type === 'bundle') throw new Error(`setting ${key} on bundle ${s.name}`);
    applySetting(s, key, value);
  }
  for (const [bid, aid] of rows.bundleAtomics) {
    const a = get(aid);
    if (a.type === 'bundle') throw new Error(`bundle ${nameOf[bid]} resolves to bundle ${a.name}`);
    as(bid, 'bundle').atomics.push(a.name);
  }
  const pipelines: Pipeline[] = rows.pipelines.map(([, name]) => ({ name, members: [] }));
  const pipelineIndex = new Map(rows.pipelines.map(([id], i) => [id, i]));
  for (const [pid, , sid] of rows.pipelineMembers) pipelines[pipelineIndex.get(pid)!].members.push(as(sid, 'longrun').name);
  rows.files.forEach(([sid, path, kind, mode], i) => {
    const file: ServiceFile = { path, kind: kind as ServiceFile['kind'], mode, content: contents[i] ?? EMPTY };
    (as(sid, 'longrun') as Longrun).files.push(file);
  });
  // Rows come ordered by id, and ids follow name order, so every list is already sorted.
  for (const l of services.values()) if (l.type === 'longrun') l.consumerFor.sort();
  return { services, atomics, dependents, pipelines };
}
