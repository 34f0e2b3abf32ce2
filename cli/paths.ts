/** Default locations (SPEC §2), resolved once per command. */
import { join } from 'node:path';

/** `-l` wins, then `S6RC_LIVE`, then `/run/s6rc` for root, else `$XDG_RUNTIME_DIR/s6rc` or `/tmp/s6rc-$UID`. */
export function defaultLive(): string {
  if (process.env.S6RC_LIVE) return process.env.S6RC_LIVE;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/s6rc';
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 's6rc');
  return `/tmp/s6rc-${uid}`;
}

export const DEFAULT_COMPILED = '/etc/s6rc/compiled';

export function liveDir(option: unknown): string {
  return typeof option === 'string' ? option : defaultLive();
}
