import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledModel, Longrun } from '../../machines/model.js';
import { sameFiles } from '../../machines/plan/update.js';

/**
 * Writes each longrun's service directory (`run`, `finish`, `data/`, `env/`,
 * ... with their modes) under `<live>/servicedirs/<name>/`, so run scripts
 * can use relative paths. `fresh` rebuilds everything (a new boot); otherwise
 * only missing directories are written (recovery: running processes keep
 * their working directory).
 */
export function materialiseServiceDirs(servicedirs: string, model: CompiledModel, fresh: boolean): void {
  if (fresh) rmSync(servicedirs, { recursive: true, force: true });
  mkdirSync(servicedirs, { recursive: true, mode: 0o755 });
  for (const name of model.atomics) {
    const s = model.services.get(name);
    if (!s || s.type !== 'longrun') continue;
    const dir = join(servicedirs, name);
    if (!fresh && existsSync(dir)) continue;
    writeServiceDir(dir, s);
  }
}

/**
 * After a database switch: renamed longruns' directories follow their new
 * name (their processes keep working in them), the directories of longruns
 * that are gone go, and each longrun of the new database whose files are not
 * those of its directory gets them written (the definition a running service
 * uses from its next start). `previous` names, for each new name, the
 * definition its directory holds; without it (recovery, where a switch may
 * have stopped half-way), every directory is written again. Once done, it
 * marks the directories as switched to `switched.database`.
 */
export function switchServiceDirs(
  servicedirs: string,
  next: CompiledModel,
  switched: { database: number; renames: ReadonlyMap<string, string>; removed: readonly string[] },
  previous?: ReadonlyMap<string, Longrun>,
): void {
  const { renames, removed } = switched;
  for (const name of removed) rmSync(join(servicedirs, name), { recursive: true, force: true });
  // Through temporary names, so a swap or a chain of renames moves every directory.
  const moving = [...renames].filter(([from]) => existsSync(join(servicedirs, from)));
  moving.forEach(([from], i) => {
    rmSync(join(servicedirs, `.renaming-${i}`), { recursive: true, force: true }); // left by a switch killed half-way
    renameSync(join(servicedirs, from), join(servicedirs, `.renaming-${i}`));
  });
  moving.forEach(([, to], i) => {
    rmSync(join(servicedirs, to), { recursive: true, force: true });
    renameSync(join(servicedirs, `.renaming-${i}`), join(servicedirs, to));
  });
  for (const name of next.atomics) {
    const s = next.services.get(name);
    if (s?.type !== 'longrun') continue;
    const before = previous?.get(name);
    if (before && sameFiles(before, s)) continue;
    const dir = join(servicedirs, name);
    if (before) {
      // Files the new definition no longer has go (the directory itself stays: it is a running process's cwd).
      const paths = new Set(s.files.map((f) => f.path));
      for (const f of before.files) if (!paths.has(f.path)) rmSync(join(dir, f.path), { recursive: true, force: true });
    }
    writeServiceDir(dir, s);
  }
  // Last: the mark that this switch's directories are in place (a recovering supervisor reads it).
  writeFileSync(join(servicedirs, SWITCHED_MARK), `${switched.database}\n`);
}

const SWITCHED_MARK = '.database';

/** The database whose switch last finished moving the service directories, or null. */
export function directoriesSwitchedTo(servicedirs: string): number | null {
  try {
    return Number(readFileSync(join(servicedirs, SWITCHED_MARK), 'utf8'));
  } catch {
    return null;
  }
}

function writeServiceDir(dir: string, s: Longrun): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Parents before children: sort by depth so `data/` exists before `data/check`.
  const files = [...s.files].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const dirModes: [string, number][] = [];
  for (const f of files) {
    const path = join(dir, f.path);
    if (f.kind === 'dir') {
      mkdirSync(path, { recursive: true, mode: 0o755 });
      dirModes.push([path, f.mode]);
    } else if (f.kind === 'symlink') {
      rmSync(path, { force: true });
      symlinkSync(f.content.toString('utf8'), path);
    } else {
      writeFileSync(path, f.content, { mode: f.mode });
      chmodSync(path, f.mode);
    }
  }
  // Directory modes last, so a read-only directory does not stop its own contents being written.
  for (const [path, mode] of dirModes.reverse()) chmodSync(path, mode);
}
