#!/usr/bin/env node
// Runs every compiled *.test.js under dist/test with node's test runner. Node 20 cannot take a
// glob, and given a folder it would also run every helper or worker .js below a `test` folder.
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = find(join(__dirname, '..', 'dist', 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) { console.error('no test files found under dist/test (run npm run build)'); process.exit(1); }
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
