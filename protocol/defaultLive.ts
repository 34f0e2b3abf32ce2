import { join } from 'node:path';

/**
 * The live directory when none is named (SPEC §2): `S6RC_LIVE`, then
 * `/run/s6rc` for root, else `$XDG_RUNTIME_DIR/s6rc` or `/tmp/s6rc-$UID`.
 * The CLI (`-l` wins over it) and the Node API (`connect({ live })`) agree.
 */
export function defaultLive(): string {
  if (process.env.S6RC_LIVE) return process.env.S6RC_LIVE;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/s6rc';
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 's6rc');
  return `/tmp/s6rc-${uid}`;
}
