/**
 * Reading the graph tables as raw rows, and the checksum over them. The writer
 * checksums what it can read back inside its transaction, and every reader
 * checksums what it read, with this one function: both sides cannot disagree
 * on the serialisation.
 */
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
};

export function readGraphRows(db: Database.Database): GraphRows {
  const rows = {} as Record<keyof GraphRows, Row[]>;
  for (const key of Object.keys(QUERIES) as (keyof GraphRows)[]) rows[key] = db.prepare(QUERIES[key]).raw().all() as Row[];
  return rows as unknown as GraphRows;
}

/**
 * A 64-bit checksum (hex) over every graph table, in a fixed order. It detects
 * corruption and edits made without s6rc; it is not a signature (whoever can
 * write the file can rewrite the checksum too), so a fast non-cryptographic
 * hash suffices and readers need not load node:crypto, which costs cold start.
 */
export function graphChecksum(rows: GraphRows): string {
  let text = '';
  for (const key of Object.keys(QUERIES) as (keyof GraphRows)[]) text += `${key}${JSON.stringify(rows[key])}`;
  return hash64(text);
}

/** Two independent 32-bit multiply-xorshift lanes over UTF-16 code units (cyrb53's construction, both lanes kept). */
function hash64(text: string): string {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
