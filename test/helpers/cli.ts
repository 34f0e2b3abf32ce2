/** Runs the built `s6rc` as a user would and captures what it printed. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const S6RC = resolve(__dirname, '../../bin/s6rc.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function s6rc(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [S6RC, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs `s6rc compile compiled sources...` and returns `compiled`; throws with its stderr if it fails. */
export function compileOrThrow(compiled: string, ...sources: string[]): string {
  const r = s6rc(['compile', compiled, ...sources]);
  if (r.code !== 0) throw new Error(`s6rc compile exited ${r.code}: ${r.stderr}`);
  return compiled;
}

const TRACE = resolve(__dirname, '../fixtures/trace-imports.mjs');

/** Runs `s6rc args` and returns it with every module it loaded (ES modules as URLs, CommonJS as paths). */
export function s6rcTraced(args: string[]): CliResult & { loaded: string[] } {
  const r = spawnSync(process.execPath, ['--import', TRACE, S6RC, ...args], { encoding: 'utf8', timeout: 60_000 });
  const stderr = String(r.stderr);
  const loaded = stderr.split('\n').filter((l) => l.startsWith('TRACE-IMPORT ')).map((l) => l.slice(13));
  return { code: r.status, stdout: String(r.stdout), stderr: stderr.split('\n').filter((l) => !l.startsWith('TRACE-IMPORT ')).join('\n'), loaded };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 's6rc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
