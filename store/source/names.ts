/** Service names (SPEC §1): what s6-rc-compile accepts as a definition directory's name. */

const RESERVED_PREFIXES = ['s6rc-', 's6-rc-'];

/** Why `name` cannot name a service, or null if it can. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'empty service name';
  if (name === '.' || name === '..') return `invalid service name '${name}'`;
  if (name.includes('/')) return `invalid service name '${name}' (contains /)`;
  if (name.includes('\n')) return `invalid service name ${JSON.stringify(name)} (contains a newline)`;
  if (name.includes('\0')) return `invalid service name ${JSON.stringify(name)} (contains a NUL byte)`;
  const reserved = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (reserved) return `service name '${name}' uses the reserved prefix ${reserved}`;
  return null;
}
