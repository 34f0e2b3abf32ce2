/** Runs the built `s6rc` as a user would and captures what it printed. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const S6RC = resolve(__dirname, '../../bin/s6rc.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function s6rc(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [S6RC, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 's6rc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
