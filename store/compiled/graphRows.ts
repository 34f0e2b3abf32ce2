/**
 * Reading the graph tables as raw rows, and the checksum over them. The writer
 * checksums the rows it inserts (modelRows.ts builds them in this exact shape
 * and order; a test checks it), readers checksum what they read, with this
 * one function.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

type Row = unknown[];

export interface GraphRows {
  services: [id: number, name: string, type: string, essential: number, timeoutUp: number, timeoutDown: number][];
  longruns: [serviceId: number, notificationFd: number | null, timeoutKill: number, timeoutFinish: number, maxDeathTally: number, downSignal: string, lockFd: number | null, notifyOnCheck: string | null, producerFor: number | null, pipelineName: string | null][];
  commands: [serviceId: number, direction: string, kind: string, body: string][];
  dependencies: [serviceId: number, dependencyId: number][];
  contents: [bundleId: number, memberId: number][];
  bundleAtomics: [bundleId: number, atomicId: number][];
  pipelines: [id: number, name: string | null][];
  pipelineMembers: [pipelineId: number, position: number, serviceId: number][];
  /** Without the content, which `db check` verifies against sha256. */
  files: [serviceId: number, path: string, kind: string, mode: number, sha256: string][];
  /** Settings not at their default (none in a version-1 database). */
  settings: [serviceId: number, key: string, value: string][];
}

const QUERIES: Record<keyof GraphRows, string> = {
  services: 'SELECT id, name, type, essential, timeout_up, timeout_down FROM services ORDER BY id',
  longruns: 'SELECT service_id, notification_fd, timeout_kill, timeout_finish, max_death_tally, down_signal, lock_fd, notifyoncheck, producer_for, pipeline_name FROM longruns ORDER BY service_id',
  commands: 'SELECT service_id, direction, kind, body FROM commands ORDER BY service_id, direction',
  dependencies: 'SELECT service_id, dependency_id FROM dependencies ORDER BY service_id, dependency_id',
  contents: 'SELECT bundle_id, member_id FROM contents ORDER BY bundle_id, member_id',
  bundleAtomics: 'SELECT bundle_id, atomic_id FROM bundle_atomics ORDER BY bundle_id, atomic_id',
  pipelines: 'SELECT id, name FROM pipelines ORDER BY id',
  pipelineMembers: 'SELECT pipeline_id, position, service_id FROM pipeline_members ORDER BY pipeline_id, position',
  files: 'SELECT service_id, path, kind, mode, sha256 FROM files ORDER BY service_id, path',
  settings: 'SELECT service_id, key, value FROM settings ORDER BY service_id, key',
};

export function readGraphRows(db: Database.Database): GraphRows {
  const rows = {} as Record<keyof GraphRows, Row[]>;
  const version = db.pragma('user_version', { simple: true }) as number;
  for (const key of Object.keys(QUERIES) as (keyof GraphRows)[]) {
    rows[key] = key === 'settings' && version < 2 ? [] : (db.prepare(QUERIES[key]).raw().all() as Row[]);
  }
  return rows as unknown as GraphRows;
}

/**
 * sha256 (hex) over every graph table, in a fixed order. It detects corruption
 * and edits that bypass SQLite; it is not a signature (whoever can write the
 * file can rewrite the checksum too). Only full loads and `db check` compute
 * it; quick queries rely on the O(1) header check (fileHeader.ts).
 */
export function graphChecksum(rows: GraphRows): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(QUERIES) as (keyof GraphRows)[]) {
    // No settings hash as a version-1 database did: one that needs none keeps its checksum.
    if (key === 'settings' && rows.settings.length === 0) continue;
    hash.update(`${key}${JSON.stringify(rows[key])}`);
  }
  return hash.digest('hex');
}
