/**
 * node:fs for the read path of short commands. `import ... from 'node:fs'` in
 * an ES module builds an ESM facade that touches every export, which loads fs
 * streams: about 2 ms of a cold start that must stay near a bare `node -e 0`.
 * `process.getBuiltinModule` (Node ≥ 20.16) returns the module without it.
 */
type Fs = typeof import('node:fs');

const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;

export const fs: Fs = getBuiltin ? (getBuiltin('node:fs') as Fs) : ((await import('node:fs')).default as Fs);
