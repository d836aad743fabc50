#!/usr/bin/env node
// Builds the optional libpcap addon (native/) with node-gyp. Run by `npm install` (install
// script) and by hand (`node scripts/build-native.js`). It never fails the install: when the
// build cannot be done (no compiler, no libpcap headers, no node-gyp) it prints one warning line
// and exits 0; reading capture files works without the addon, live capture says what is missing.
// REFINERY_SKIP_NATIVE=1 skips the build.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nativeDir = path.join(root, 'native');
const logPath = path.join(nativeDir, 'build-native.log');
const addon = path.join(nativeDir, 'build', 'Release', 'refinery_pcap.node');
const HINT = 'install a compiler and the libpcap headers (apt-get install libpcap-dev g++ make), then run `npm rebuild traffic-refinery` or `node scripts/build-native.js`';

function warn(reason) {
  console.warn(`traffic-refinery: native libpcap addon not built (${reason}); live capture is disabled, file replay works. To enable it, ${HINT}.`);
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })); } catch { /* not a local dependency */ }
  // npm's bundled node-gyp: npm sets npm_execpath (…/npm/bin/npm-cli.js) when it runs scripts.
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  // Where node's own npm lives: <prefix>/bin/node -> <prefix>/lib/node_modules/npm/...
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  // The npm on PATH (possibly a symlink into its package).
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const npm = path.join(dir, 'npm');
    if (!fs.existsSync(npm)) continue;
    let real = npm;
    try { real = fs.realpathSync(npm); } catch { /* keep the link */ }
    candidates.push(path.join(path.dirname(real), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    candidates.push(path.join(dir, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((c) => fs.existsSync(c));
}

/** --nodedir when Node's headers are installed next to the binary (no download needed). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.REFINERY_SKIP_NATIVE && process.env.REFINERY_SKIP_NATIVE !== '0') warn('REFINERY_SKIP_NATIVE is set');
  if (!fs.existsSync(path.join(nativeDir, 'binding.gyp'))) warn('native/binding.gyp is missing');
  const gyp = findNodeGyp();
  if (!gyp) warn('node-gyp not found');
  const args = [gyp, 'rebuild', '--jobs=max', ...nodedirArgs()];
  const r = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', timeout: 10 * 60 * 1000, env: process.env, maxBuffer: 64 << 20 });
  const output = `$ ${process.execPath} ${args.join(' ')}\n${r.stdout || ''}${r.stderr || ''}${r.error ? `\n${r.error.message}\n` : ''}`;
  try { fs.writeFileSync(logPath, output); } catch { /* read-only install folder */ }
  if (r.error || r.status !== 0) {
    const text = output;
    let reason = `node-gyp exited with ${r.error ? r.error.message : r.status}`;
    if (/pcap\.h: No such file/.test(text)) reason = 'libpcap headers missing';
    else if (/not found: (make|g\+\+|c\+\+|cc)|No such file or directory.*(g\+\+|c\+\+|make)|command not found/.test(text)) reason = 'no C++ compiler or make';
    else if (/cannot find -lpcap/.test(text)) reason = 'libpcap library missing';
    else if (/find Python|python/i.test(text) && /gyp ERR!.*[Pp]ython/.test(text)) reason = 'python3 missing';
    warn(`${reason}; log in native/build-native.log`);
  }
  // The addon must load (libpcap present at run time).
  const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
  if (check.status !== 0) warn(`built but does not load: ${(check.stderr || '').split('\n').find((l) => /Error/.test(l)) || 'unknown error'}`);
  console.log(`traffic-refinery: built the native libpcap addon (${path.relative(root, addon)})`);
}

main();
