import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a oneshot's stored `#!` scripts are written, to be run directly (the
 * kernel reads the `#!` line; no shell is involved otherwise): one 0700
 * directory. The supervisor gives its `<live>/scripts`, emptied here, so even
 * a supervisor killed with SIGKILL leaves nothing behind for long; without
 * one, a directory is made by mkdtemp on first use (a fresh name nobody else
 * could have prepared in the shared /tmp). `close()` removes it, and so does
 * the process's exit at the latest.
 */
export class ScriptFiles {
  private dir: string | null = null;
  private counter = 0;
  /** Where scripts go while `dir`'s file system is full (made on first need). */
  private spill: ScriptFiles | undefined;

  constructor(dir?: string) {
    if (dir === undefined) return;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.open(dir);
  }

  /**
   * Writes `script` to a new private executable file; returns its path and a
   * function that removes it. When the directory's file system is full, the
   * script goes to a private directory under the system's temporary one: a
   * full live directory must not fail every oneshot.
   */
  write(name: string, script: string): { path: string; remove(): void } {
    const dir = this.dir ?? this.open(mkdtempSync(join(tmpdir(), 's6rc-scripts-')));
    const file = `${name.replace(/[^\w.-]/g, '_')}-${++this.counter}`;
    try {
      return writeScript(join(dir, file), script);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
      this.spill ??= new ScriptFiles();
      return this.spill.write(name, script);
    }
  }

  /** Removes the directory now (a later `write` makes a new one). */
  close(): void {
    this.spill?.close();
    this.spill = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    open.delete(this);
  }

  private open(dir: string): string {
    this.dir = dir;
    open.add(this);
    if (!exitHookArmed) {
      exitHookArmed = true;
      process.once('exit', () => {
        for (const files of open) files.close();
      });
    }
    return dir;
  }
}

function writeScript(path: string, script: string): { path: string; remove(): void } {
  try {
    writeFileSync(path, script, { mode: 0o700 });
    chmodSync(path, 0o700);
  } catch (err) {
    rmSync(path, { force: true }); // a partly written script must not stay behind
    throw err;
  }
  return { path, remove: () => rmSync(path, { force: true }) };
}

/** The directories not yet closed, removed by one exit hook for the whole process. */
const open = new Set<ScriptFiles>();
let exitHookArmed = false;
