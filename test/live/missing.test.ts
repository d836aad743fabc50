import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { udp4Frame } from '../../src/datasets/packets';
import { ROOT, tmp } from './util';

const env = { ...process.env, REFINERY_NATIVE_PATH: '/nonexistent/refinery_pcap.node' };

function smallPcap(): string {
  const w = new PcapWriter(null, 1);
  for (let i = 0; i < 20; i++) w.write(1_700_000_000 + i * 0.5, udp4Frame('192.168.1.2', '8.8.8.8', 40000, 443, new Uint8Array(100)));
  const file = join(tmp('missing'), 'small.pcap');
  writeFileSync(file, w.toBuffer());
  return file;
}

test('without the addon: replay still works, live says what to install (library)', () => {
  const file = smallPcap();
  const script = `
    const { extractTable } = require(${JSON.stringify(join(ROOT, 'dist/src/pipeline/extract'))});
    const live = require(${JSON.stringify(join(ROOT, 'dist/src/capture/live'))});
    (async () => {
      const r = await extractTable({ captures: ${JSON.stringify(file)}, bins: [10] });
      console.log('rows', r.table.length, 'packets', r.stats.packets);
      console.log('available', live.nativeAvailable());
      try { live.openLive({ iface: 'lo' }); console.log('opened?!'); }
      catch (e) { console.log('error', e.name, e.code, e.message); }
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rows 1 packets 20/);
  assert.match(r.stdout, /available false/);
  assert.match(r.stdout, /error NativeUnavailableError ENATIVE .*apt-get install libpcap-dev g\+\+ make.*npm rebuild traffic-refinery/);
  assert.match(r.stdout, /\/nonexistent\/refinery_pcap\.node/);
});

test('without the addon: refinery live exits 2 with the install hint and no stack trace', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/live.js'), '--iface', 'lo', '--out', tmp('missing-cli')], { env, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /apt-get install libpcap-dev g\+\+ make/);
  assert.match(r.stderr, /node scripts\/build-native\.js/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('scripts/build-native.js never fails the install (skipped build prints one warning line, exit 0)', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build-native.js')], { env: { ...process.env, REFINERY_SKIP_NATIVE: '1' }, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /native libpcap addon not built .*apt-get install libpcap-dev g\+\+ make/);
});
