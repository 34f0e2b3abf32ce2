import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | null = null;
let counter = 0;
let cleanupArmed = false;

/**
 * Where `#!` scripts are written from now on: the supervisor uses
 * `<live>/scripts` (inside the 0700 live directory), emptied when it starts,
 * so even a supervisor killed with SIGKILL leaves nothing behind for long.
 */
export function useScriptDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true, mode: 0o700 });
  dir = path;
  armCleanup();
}

/** Removes the scripts directory now (the next script creates a new one). */
export function removeScriptDir(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
}

function armCleanup(): void {
  if (cleanupArmed) return;
  cleanupArmed = true;
  process.once('exit', removeScriptDir);
}

/**
 * Writes a stored `#!` script to a private executable file so it can be run
 * directly (the kernel reads the `#!` line; no shell is involved otherwise).
 * Files live in one 0700 directory per process: the one `useScriptDir` set,
 * else one made by mkdtemp (a fresh name nobody else could have prepared in
 * the shared /tmp); it is removed when the process exits.
 *
 * @returns the path and a function that removes the file.
 */
export function writeScriptFile(name: string, script: string): { path: string; remove(): void } {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 's6rc-scripts-'));
    armCleanup();
  }
  const path = join(dir, `${name.replace(/[^\w.-]/g, '_')}-${++counter}`);
  writeFileSync(path, script, { mode: 0o700 });
  chmodSync(path, 0o700);
  return { path, remove: () => rmSync(path, { force: true }) };
}
