/**
 * Node built-ins for the paths that must start fast. `import ... from 'node:fs'`
 * in an ES module builds an ESM facade that touches every export, which loads
 * fs streams, a measurable part of a cold start that must stay near a bare
 * `node -e 0`; `process.getBuiltinModule` (Node ≥ 20.16) returns the module
 * without it. Likewise better-sqlite3, a CommonJS package, loads faster
 * through `require` than through the ESM loader's CommonJS translation.
 *
 * No top-level await and no `import.meta` on the way: `compile` and `db` also
 * run from a CommonJS bundle (cli/tools.ts), where `require` is the bundle's own.
 */
type Fs = typeof import('node:fs');
type Os = typeof import('node:os');
type NodeModule = typeof import('node:module');

/** A Node built-in module, without the ESM facade (see above). */
export const builtin = <T>(id: string): T => (process as unknown as { getBuiltinModule(id: string): T }).getBuiltinModule(id);

export const fs: Fs = builtin<Fs>('node:fs');
export const os: Os = builtin<Os>('node:os');

/** `require` for CommonJS packages: the bundle's own, or one resolved from this module. */
export const requireCjs: NodeJS.Require = typeof require === 'function' ? require : builtin<NodeModule>('node:module').createRequire(import.meta.url);
