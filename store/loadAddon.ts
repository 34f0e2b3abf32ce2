/**
 * s6rc's own Node-API addon (native/spawn.c, native/notify.c), built by
 * `npm install` through node-gyp into build/Release/<name>.node: the
 * supervisor's spawner (actors/service/posixSpawn.ts) and its sd_notify
 * sockets (actors/service/notifySocket.ts).
 *
 * `loadAddon(name)` looks for build/Release/<name>.node upwards from this
 * module's directory (store/ in the sources, dist/store/ when built, dist/ in
 * the CommonJS bundles) and loads it. It is null off Linux, when the file is
 * not there, or when it does not load (built for another Node, say): every
 * caller then does the same work without it.
 */
import { fs, requireCjs } from './compiled/nodeFs.js';

/**
 * This module's directory: this ES module's, or in a CommonJS bundle (where esbuild leaves
 * `import.meta` empty) the bundle's `__dirname`. In that order: `node -e` defines a global
 * `__dirname` ('.') that an ES module would otherwise take for its own.
 */
function hereDir(): string {
  const url = import.meta.url as string | undefined;
  if (url) return decodeURIComponent(new URL('.', url).pathname).replace(/\/$/, '');
  return __dirname;
}

export function loadAddon<T>(name: string): T | null {
  if (process.platform !== 'linux') return null;
  const file = `/build/Release/${name}.node`;
  let dir = hereDir();
  for (let up = 0; up < 4 && dir.length > 1; up++) {
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
    if (!fs.existsSync(dir + file)) continue;
    try {
      return requireCjs(dir + file) as T;
    } catch {
      return null;
    }
  }
  return null;
}
