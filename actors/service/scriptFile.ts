import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | null = null;
let counter = 0;

/**
 * Writes a stored `#!` script to a private executable file so it can be run
 * directly (the kernel reads the `#!` line; no shell is involved otherwise).
 * Files live in one 0700 directory per supervisor process, made by mkdtemp
 * (a fresh name nobody else could have prepared in the shared /tmp) and
 * removed when the process exits.
 *
 * @returns the path and a function that removes the file.
 */
export function writeScriptFile(name: string, script: string): { path: string; remove(): void } {
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), 's6rc-scripts-'));
    dir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  const path = join(dir, `${name.replace(/[^\w.-]/g, '_')}-${++counter}`);
  writeFileSync(path, script, { mode: 0o700 });
  chmodSync(path, 0o700);
  return { path, remove: () => rmSync(path, { force: true }) };
}
