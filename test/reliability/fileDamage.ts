/**
 * Damage to a database file, as fast-check values: truncation, bit flips,
 * a zeroed page, a wrong schema version (`user_version`, header offset 60)
 * or application id (offset 68). Positions are fractions of the file, so a
 * value means something whatever the file's size.
 */
import fc from 'fast-check';
import Database from 'better-sqlite3';

export type Damage =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: [number, number][] }
  | { kind: 'zero-page'; at: number }
  | { kind: 'version'; value: number }
  | { kind: 'application-id'; value: number };

/**
 * Damage whose detection needs no luck: the size or the header says it, so
 * every reader must refuse it. `readable`: the schema versions the reader
 * accepts (another of those in the header is not certain to be noticed).
 */
export const certain = (d: Damage, readable: number[]): boolean =>
  d.kind === 'truncate' || d.kind === 'application-id' || (d.kind === 'version' && !readable.includes(d.value));

/** A position in [0, 1), uniform (fc.double favours tiny values: every flip would land on byte 0). */
const fraction = fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 0x100000000);

export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fraction.map((at) => ({ kind: 'truncate' as const, at })),
  fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((bits) => ({ kind: 'flip' as const, bits })),
  // Many small flips land in unused space; some runs aim at the first pages (header, schema, tables' roots).
  fc.array(fc.tuple(fraction.map((f) => f * 0.05), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((bits) => ({ kind: 'flip' as const, bits })),
  fraction.map((at) => ({ kind: 'zero-page' as const, at })),
  fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 0xffffffff })).map((value) => ({ kind: 'version' as const, value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((value) => ({ kind: 'application-id' as const, value })),
);

/** `bytes` with `damage` done to it (a copy), or null when the damage would change nothing. */
export function damaged(bytes: Buffer, damage: Damage): Buffer | null {
  const out = Buffer.from(bytes);
  switch (damage.kind) {
    case 'truncate':
      return out.subarray(0, Math.floor(damage.at * out.length));
    case 'flip':
      for (const [at, bit] of damage.bits) out[Math.floor(at * out.length)] ^= 1 << bit;
      return out.equals(bytes) ? null : out;
    case 'zero-page': {
      const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
      const pages = Math.floor(out.length / pageSize);
      out.fill(0, Math.floor(damage.at * pages) * pageSize, (Math.floor(damage.at * pages) + 1) * pageSize);
      return out.equals(bytes) ? null : out;
    }
    case 'version':
    case 'application-id':
      out.writeUInt32BE(damage.value, damage.kind === 'version' ? 60 : 68);
      return out.equals(bytes) ? null : out;
  }
}

/**
 * Damage inside one text cell of the event log, as a bit flip in a row's
 * content does it: SQLite's structure stays valid, so only the reader of
 * that cell can notice (a payload or a recorded state that is no longer
 * JSON, a state or a service name that means something else).
 */
export interface CellDamage {
  kind: 'cell';
  column: number;
  row: number;
  at: number;
  /** The character put in place of the one at `at` ('' deletes it). */
  char: string;
}

/** The event log's text columns a flip may land in. */
export const LOG_TEXT_COLUMNS: [string, string][] = [
  ['events', 'payload'],
  ['events', 'type'],
  ['events', 'from_state'],
  ['events', 'to_state'],
  ['events', 'service'],
  ['actor_state', 'context'],
  ['actor_state', 'state'],
  ['actor_state', 'service'],
  ['live_state', 'service'],
  ['changes', 'argv'],
  ['boots', 'compiled'],
];

export const cellDamageArb: fc.Arbitrary<CellDamage> = fc.record({
  kind: fc.constant('cell' as const),
  column: fc.nat({ max: LOG_TEXT_COLUMNS.length - 1 }),
  row: fraction,
  at: fraction,
  char: fc.constantFrom('', '#', '"', '}', '{', 'x', '\u0000', '\ufffd'),
});

/** Does `d` to the log at `path` (checkpointed back into the file, no WAL left); false when it changed nothing. */
export function damageCell(path: string, d: CellDamage): boolean {
  const [table, column] = LOG_TEXT_COLUMNS[d.column];
  const db = new Database(path);
  try {
    const rows = db.prepare(`SELECT rowid AS id, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL AND length(${column}) > 0 ORDER BY rowid`).all() as { id: number; v: string }[];
    if (rows.length === 0) return false;
    const row = rows[Math.floor(d.row * rows.length)];
    const i = Math.floor(d.at * row.v.length);
    const v = row.v.slice(0, i) + d.char + row.v.slice(i + 1);
    if (v === row.v) return false;
    db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`).run(v, row.id);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return true;
  } finally {
    db.close();
  }
}
