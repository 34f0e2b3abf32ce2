#!/usr/bin/env node
// The installed entry point, CommonJS on purpose: the commands that must start
// fast run from bundles, which start sooner than Node 20's ES module loader
// can (figures: docs/PERFORMANCE.md): dist/thin.cjs for the ones that only talk to the supervisor
// (status, wait, svc, shutdown, list, change...), dist/tools.cjs for compile
// and db, dist/lifecycle.cjs for init and boot, dist/supervise.cjs for the
// supervisor (daemon). Everything else loads the ES modules in dist/cli/ (all
// of dist/ is built by `npm install` via `prepare`).
'use strict';
const argv = process.argv.slice(2);
const BUNDLES = { compile: 'tools', db: 'tools', init: 'lifecycle', daemon: 'supervise', boot: 'lifecycle' };
const bundle = `../dist/${Object.hasOwn(BUNDLES, argv[0] ?? '') ? BUNDLES[argv[0]] : 'thin'}.cjs`;
if (!require(bundle).start(argv)) import('../dist/cli/main.js');
