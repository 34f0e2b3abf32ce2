import type { SupervisorApi } from '../api.js';

export class UnknownName extends Error {}

/**
 * Service names from a request, bundles expanded to their atomics, in order
 * and without duplicates; none given = every atomic. Throws `UnknownName`.
 */
export function resolveNames(sup: SupervisorApi, raw: unknown, { allIfEmpty = true } = {}): string[] {
  const names = Array.isArray(raw) ? raw.map(String) : [];
  if (names.length === 0) return allIfEmpty ? [...sup.services.keys()] : [];
  const out = new Set<string>();
  for (const n of names) {
    const s = sup.model.services.get(n);
    if (!s) throw new UnknownName(`unknown service name: ${n}`);
    if (s.type === 'bundle') for (const a of s.atomics) out.add(a);
    else out.add(n);
  }
  return [...out];
}
