#!/usr/bin/env node
// Runs every compiled *.test.js under dist/test with node's test runner. Node 20 cannot take a
// glob, and given a folder it would also run every helper or worker .js below a `test` folder.
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawn } = require('node:child_process');

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
// A test file whose process never ends (a run left going, a handle left open) must fail the
// suite, not hold CI for its whole time limit: the runner and its test processes (one process
// group) are ended after LIMIT_MS.
const LIMIT_MS = Number(process.env.REFINERY_TEST_LIMIT_MS ?? 20 * 60 * 1000);
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit', detached: true });
const killGroup = (signal) => { try { process.kill(-child.pid, signal); } catch { /* already gone */ } };
let timedOut = false;
const timer = setTimeout(() => { timedOut = true; killGroup('SIGKILL'); }, LIMIT_MS);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => killGroup(sig));
child.on('exit', (code) => {
  clearTimeout(timer);
  if (timedOut) {
    console.error(`\nnpm test: the test runner was still running after ${(LIMIT_MS / 60000).toFixed(1)} min and was stopped (a test file that never exits?)`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
