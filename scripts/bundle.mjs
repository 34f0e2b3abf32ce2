/**
 * The CommonJS bundles `bin/s6rc.cjs` runs first (see docs/ARCHITECTURE.md),
 * built from tsc's output in dist/ by `npm run build`:
 *
 * - dist/thin.cjs: the socket clients (status, wait, svc, shutdown, the s6-rc
 *   command). xstate, rxjs and better-sqlite3 stay external: this path must
 *   never load them, and test/cli/thin-clients.test.ts would see them load.
 * - dist/tools.cjs: compile and db. better-sqlite3's JavaScript is bundled in
 *   (its native addon is still loaded from node_modules, and `bindings`, its
 *   fallback finder, stays external), which saves module loading on every
 *   run; xstate and rxjs stay external for the same reason as above.
 * - dist/lifecycle.cjs: init and boot, which start a supervisor, and
 *   dist/supervise.cjs: the supervisor. Two bundles, not one: each command
 *   compiles its whole bundle at start, and init needs little of the
 *   supervisor's code. xstate, rxjs and better-sqlite3's JavaScript are
 *   bundled in; prom-client stays external: it is required only with
 *   --metrics, and test/cli/metrics.test.ts checks that it is not otherwise.
 *   Whitespace and comments are stripped (S6RC_DEBUG's stack traces then
 *   point into one long line; the function names stay).
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  // nodeFs.ts reads import.meta.url only when it is not in a CommonJS bundle.
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['dist/cli/thin.js'], external: ['xstate', 'rxjs', 'better-sqlite3'] }),
  build({
    ...common,
    entryPoints: ['dist/cli/tools.js'],
    external: ['xstate', 'rxjs', 'bindings'],
    // better-sqlite3 loads its addon with a computed require(), which stays a runtime require: expected.
    logOverride: { ...common.logOverride, 'unsupported-require-call': 'silent' },
  }),
  build({
    ...common,
    entryPoints: ['dist/cli/lifecycle.js', 'dist/cli/supervise.js'],
    external: ['bindings', 'prom-client'],
    // V8 compiles a whole bundle when it loads it, comments and indentation included:
    // without them the supervisor's compiles in about half the time. Names are kept.
    minifyWhitespace: true,
    logOverride: { ...common.logOverride, 'unsupported-require-call': 'silent' },
  }),
]);
