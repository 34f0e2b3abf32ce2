/**
 * Damage to a database file, as fast-check values: truncation, bit flips,
 * a zeroed page, a wrong schema version (`user_version`, header offset 60)
 * or application id (offset 68). Positions are fractions of the file, so a
 * value means something whatever the file's size.
 */
import fc from 'fast-check';

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

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fraction.map((at) => ({ kind: 'truncate' as const, at })),
  fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((bits) => ({ kind: 'flip' as const, bits })),
  // Many small flips land in unused space; some runs aim at the first pages (header, schema, tables' roots).
  fc.array(fc.tuple(fc.double({ min: 0, max: 0.05, noNaN: true }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((bits) => ({ kind: 'flip' as const, bits })),
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
