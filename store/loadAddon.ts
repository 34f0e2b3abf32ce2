/**
 * s6rc's own Node-API addons (native/*.c), built by `npm install` through
 * node-gyp into build/Release/<name>.node: the supervisor's spawner
 * (actors/service/posixSpawn.ts) and compile's source reader
 * (store/source/nativeScan.ts).
 *
 * `loadAddon(name, here)` looks for build/Release/<name>.node upwards from
 * `here`, the caller's own directory (sources in <root>/a/b/, built modules in
 * <root>/dist/a/b/, the bundles in <root>/dist/), and loads it. It is null off
 * Linux, when the file is not there, or when it does not load (built for
 * another Node, say): every caller then does the same work without it.
 */
import { fs, requireCjs } from './compiled/nodeFs.js';

export function loadAddon<T>(name: string, here: string): T | null {
  if (process.platform !== 'linux') return null;
  const file = `/build/Release/${name}.node`;
  let dir = here;
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
