/** Default locations (SPEC §2), resolved once per command. */
import { defaultLive } from '../protocol/defaultLive.js';

export { defaultLive };

export const DEFAULT_COMPILED = '/etc/s6rc/compiled';

/** `-l` wins, then `S6RC_LIVE`, then `/run/s6rc` for root, else `$XDG_RUNTIME_DIR/s6rc` or `/tmp/s6rc-$UID`. */
export function liveDir(option: unknown): string {
  return typeof option === 'string' ? option : defaultLive();
}
