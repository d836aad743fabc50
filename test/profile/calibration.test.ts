import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { udp4Frame } from '../../src/datasets/packets';
import { Packet } from '../../src/decode/packet';
import { defineFixedStateClass, defineSpinClass } from '../../src/profile/calibration';
import { profileTables, ProfileTables } from '../../src/profile';

const T0 = 1_700_000_000;
const FLOWS = 160, PER_FLOW = 40, SECONDS = 60;
const FLOATS = 2048;
const SPIN_1X = 150, SPIN_10X = 1500;
const calibration = require.resolve('../../src/profile/calibration');

defineSpinClass('CalibSpin1x', SPIN_1X);
defineSpinClass('CalibSpin10x', SPIN_10X);
defineFixedStateClass('CalibState2048', FLOATS);

/** FLOWS concurrent UDP flows, PER_FLOW packets each, interleaved over SECONDS seconds. */
function capture(): string {
  const w = new PcapWriter(null);
  const payload = new Uint8Array(64);
  for (let i = 0; i < PER_FLOW; i++) {
    for (let f = 0; f < FLOWS; f++) {
      const ts = T0 + (i * SECONDS) / PER_FLOW + f * 1e-4;
      const up = (i + f) % 2 === 0;
      const client = `10.1.${f >> 8}.${f & 255}`;
      w.write(ts, up ? udp4Frame(client, '93.184.216.34', 40000 + f, 443, payload) : udp4Frame('93.184.216.34', client, 443, 40000 + f, payload));
    }
  }
  const path = join(tempDir('profile-cal-'), 'flows.pcap');
  writeFileSync(path, w.toBuffer());
  return path;
}

let result: Promise<ProfileTables> | undefined;
function run(): Promise<ProfileTables> {
  result ??= profileTables({
    captures: capture(), classes: ['CalibSpin1x', 'CalibSpin10x', 'CalibState2048'], representations: [], heapSamples: 10,
    heapModules: [
      { module: calibration, call: 'defineSpinClass', args: ['CalibSpin1x', SPIN_1X] },
      { module: calibration, call: 'defineSpinClass', args: ['CalibSpin10x', SPIN_10X] },
      { module: calibration, call: 'defineFixedStateClass', args: ['CalibState2048', FLOATS] },
    ],
  });
  return result;
}

test('a class holding exactly 2048 Float64 per flow: self-reported state is 16 KiB per flow at every instant', async () => {
  const t = await run();
  const self = t.state.rows.filter((r) => r.feature_class === 'CalibState2048' && r.method === 'self');
  // 60 s of traffic, 10 s bins: instants at 10..50 s (the last packet is at ~58.5 s) and the capture end.
  assert.ok(self.length >= 5, `instants: ${self.length}`);
  for (const r of self) {
    assert.equal(r.units, FLOWS);
    assert.equal(r.bytes, FLOWS * FLOATS * 8);
    assert.equal(r.bytes_per_unit, FLOATS * 8);
  }
  const s = t.summary.rows.find((r) => r.feature_class === 'CalibState2048')!;
  assert.equal(s.state_bytes_per_flow_median, FLOATS * 8);
  assert.equal(s.state_bytes_peak, FLOWS * FLOATS * 8);
  assert.equal(s.layer, 'network');
  assert.equal(s.features, 1);
});

test('the heap measurement sees the same state within 25 % (typed-array backing stores counted as external memory)', async () => {
  const t = await run();
  assert.deepEqual(t.notes.messages, []);
  const heap = t.state.rows.filter((r) => r.feature_class === 'CalibState2048' && r.method === 'heap');
  assert.ok(heap.length >= 3, `heap readings: ${heap.length}`);
  for (const r of heap) {
    // 2048 doubles live in an off-heap backing store: external memory carries almost all of it.
    assert.ok(r.external_bytes >= 0.95 * FLOWS * FLOATS * 8, `external ${r.external_bytes}`);
    const perFlow = r.bytes / r.units;
    assert.ok(perFlow > 0.9 * FLOATS * 8 && perFlow < 1.25 * FLOATS * 8, `heap per flow ${perFlow} (js ${r.js_bytes}, external ${r.external_bytes})`);
  }
  const s = t.summary.rows.find((r) => r.feature_class === 'CalibState2048')!;
  assert.ok(s.heap_ratio > 0.95 && s.heap_ratio < 1.25, `heap/self ratio ${s.heap_ratio}`);
});

/**
 * Per-call time of the class measured directly, without pipeline or meter: the median of
 * 400 blocks of 64 calls (short blocks, so the preemptions of a loaded machine hit few).
 */
function directNs(name: string): number {
  const { getFeature } = require('../../src/features/registry') as typeof import('../../src/features/registry');
  const inst = new (getFeature(name)!)({ level: 'flow', binSeconds: 10, options: {} });
  const p = new Packet();
  p.ipLen = 92;
  inst.init(0, p);
  const blocks: number[] = [];
  for (let r = 0; r < 500; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 64; i++) inst.addPacket(p, 0);
    if (r >= 100) blocks.push(Number(process.hrtime.bigint() - t0) / 64);
  }
  blocks.sort((a, b) => a - b);
  return blocks[blocks.length >> 1];
}

test('busy classes of 1x and 10x cost: measured within tolerance of a direct loop, and ranked 10x apart', async () => {
  const t = await run();
  const row = (c: string) => t.timing.rows.find((r) => r.feature_class === c)!;
  const one = row('CalibSpin1x'), ten = row('CalibSpin10x');
  assert.equal(one.calls, FLOWS * PER_FLOW);
  assert.equal(one.calls_per_packet, 1);
  assert.ok(one.overhead_ns > 0 && one.overhead_ns < 200, `overhead ${one.overhead_ns}`);
  assert.ok(one.timing_method.includes('hrtime'));
  const d1 = directNs('CalibSpin1x'), d10 = directNs('CalibSpin10x');
  // Medians are robust to the preemptions of a loaded machine; allow 0.5x..2.5x of the direct figure.
  for (const [r, d] of [[one, d1], [ten, d10]] as const) {
    assert.ok(r.ns_per_call_median > 0.5 * d && r.ns_per_call_median < 2.5 * d,
      `${r.feature_class}: median ${r.ns_per_call_median.toFixed(1)} ns vs direct ${d.toFixed(1)} ns`);
  }
  const ratio = ten.ns_per_packet_median / one.ns_per_packet_median;
  assert.ok(ratio > 5 && ratio < 20, `10x / 1x = ${ratio.toFixed(2)}`);
  const s1 = t.summary.rows.find((r) => r.feature_class === 'CalibSpin1x')!;
  const s10 = t.summary.rows.find((r) => r.feature_class === 'CalibSpin10x')!;
  assert.ok(s10.ns_per_packet_mean > s1.ns_per_packet_mean && s10.ns_per_packet_p99 > s1.ns_per_packet_median);
  // The spin classes' state is one Float64Array(1024): 8 KB whatever the flows.
  assert.equal(s1.state_bytes_peak, 8192);
});
