#!/usr/bin/env node
// `npm run build` / `prepare`: compiles the TypeScript, then makes the CLI entry executable
// (tsc writes plain files; `npx refinery` runs the package's bin as a program).
const { execFileSync } = require('node:child_process');
const { chmodSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
} catch (e) {
  process.exit(typeof e.status === 'number' ? e.status : 1);
}
chmodSync(join(root, 'dist', 'src', 'cli', 'main.js'), 0o755);
