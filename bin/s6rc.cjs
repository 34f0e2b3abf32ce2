#!/usr/bin/env node
// The installed entry point, CommonJS on purpose: the commands that only talk
// to the supervisor (status, wait, svc, shutdown, list, change...) run from
// dist/thin.cjs, one bundle that starts ~10 ms sooner than Node 20's ES module
// loader can; everything else loads the ES modules in dist/cli/ (built by
// `npm install` via `prepare`).
'use strict';
if (!require('../dist/thin.cjs').start(process.argv.slice(2))) import('../dist/cli/main.js');
