/**
 * The native spawner (native/spawn.c, built by `npm install` through
 * node-gyp into build/Release/s6rc_spawn.node): posix_spawn(3) instead of
 * Node's fork-and-exec, and a pidfd on Node's event loop for the child's death.
 * No fork copies the supervisor's page tables, so a spawn costs the same
 * whatever the supervisor's size (figures: docs/PERFORMANCE.md).
 *
 * `nativeSpawner()` is null where the addon is missing (not built, not
 * Linux, a kernel without pidfd_open) or when `S6RC_SPAWN=node` asks for
 * Node's child_process; spawnProcess.ts then uses child_process, which
 * behaves the same, only slower.
 */
import { loadAddon } from '../../store/loadAddon.js';

/** The addon's interface; see native/spawn.c. */
export interface NativeSpawner {
  /**
   * fds[i]: >= 0 copied to the child's fd i (pass i to inherit fd i); -1 /dev/null (0-2) or closed (3+).
   * newSession: the child calls setsid(). Throws an Error with `code`.
   */
  spawn(
    file: string,
    argv: string[],
    envp: string[],
    cwd: string,
    fds: number[],
    onExit: (code: number | null, signal: number | null) => void,
    newSession?: boolean,
  ): number;
  /** A close-on-exec pipe: [read end, write end]. */
  pipe(): [number, number];
  /** False on kernels older than 5.4 (pidfd_open is 5.3, waitid(P_PIDFD) 5.4). */
  usable(): boolean;
}

let loaded: NativeSpawner | null | undefined;

/** The native spawner, or null (then Node's child_process is used). */
export function nativeSpawner(): NativeSpawner | null {
  if (loaded !== undefined) return loaded;
  const addon = process.env.S6RC_SPAWN === 'node' ? null : loadAddon<NativeSpawner>('s6rc_spawn');
  loaded = addon?.usable() ? addon : null;
  return loaded;
}
