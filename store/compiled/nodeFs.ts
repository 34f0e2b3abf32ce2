/**
 * Node built-ins for the paths that must start fast. `import ... from 'node:fs'`
 * in an ES module builds an ESM facade that touches every export, which loads
 * fs streams (about 2 ms of a cold start that must stay near a bare
 * `node -e 0`); `process.getBuiltinModule` (Node ≥ 20.16) returns the module
 * without it. Likewise better-sqlite3, a CommonJS package, loads faster
 * through `require` than through the ESM loader's CommonJS translation.
 */
type Fs = typeof import('node:fs');
type Os = typeof import('node:os');
type NodeModule = typeof import('node:module');

const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;

export const fs: Fs = getBuiltin ? (getBuiltin('node:fs') as Fs) : ((await import('node:fs')).default as Fs);
export const os: Os = getBuiltin ? (getBuiltin('node:os') as Os) : ((await import('node:os')).default as Os);

/** `require` for CommonJS packages, resolved from this file. */
export const requireCjs = (getBuiltin ? (getBuiltin('node:module') as NodeModule) : await import('node:module')).createRequire(import.meta.url);
