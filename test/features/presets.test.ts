import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCollect, columnTable, getFeature, listPresets } from '../../src/features';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { normalizeConfig } from '../../src/config/config';
import { tcp4Frame, udp4Frame, TcpFlag } from '../../src/datasets/packets';
import { batchOf, Frame } from '../helpers';
import { Driver } from './util';
import type { FeatureDefinition } from '../../src/features/api';

const T = 1_700_000_000;
const names = (preset: string) => resolveCollect([preset]);
const cols = (classes: string[]) => columnTable(classes).map((c) => c.column);

test('presets: network+application is exactly the union of both column sets', () => {
  assert.deepEqual(names('network'), ['PacketCounters', 'PacketTimes']);
  assert.deepEqual(names('transport'), ['TCPCounters', 'LatencyCounters']);
  assert.deepEqual(names('application'), ['VideoSegments']);
  const union = cols(names('network+application'));
  assert.deepEqual(union, [...cols(names('network')), ...cols(names('application'))]);
  assert.equal(new Set(union).size, union.length);
});

test('presets: all contains every class; aliases of the original names resolve', () => {
  const all = names('all');
  for (const c of ['PacketCounters', 'PacketTimes', 'TCPCounters', 'LatencyCounters', 'VideoSegments', 'SessionCounters']) assert.ok(all.includes(c), c);
  assert.equal(getFeature('TCPState')?.featureName, 'TCPCounters');
  assert.equal(getFeature('VideoCounters')?.featureName, 'VideoSegments');
  assert.deepEqual(resolveCollect(['TCPState+transport']), ['TCPCounters', 'LatencyCounters']);
  assert.deepEqual(listPresets().all, all);
});

test('column metadata: every column of the new classes has a unit and a description', () => {
  const table = columnTable(['TCPCounters', 'LatencyCounters', 'VideoSegments', 'SessionCounters']);
  assert.ok(table.length > 100);
  for (const c of table) {
    assert.ok(c.unit.length > 0 && c.description.length > 0, c.column);
  }
  assert.equal(table.find((c) => c.column === 'SessionCounters.KbpsDw')?.layer, 'session');
  assert.equal(table.find((c) => c.column === 'LatencyCounters.UdpReqRespGapMean')?.unit, 'ms');
});

test('preset all through the pipeline on mixed TCP and UDP traffic, both levels', () => {
  const frames: Frame[] = [];
  for (let i = 0; i < 40; i++) {
    const t = T + i * 0.3;
    frames.push({ ts: t, data: tcp4Frame('10.0.0.2', '198.51.100.7', { srcPort: 40000, dstPort: 443, seq: 1 + i * 100, ack: 1, flags: TcpFlag.ACK | TcpFlag.PSH }, new Uint8Array(100)) });
    frames.push({ ts: t + 0.02, data: tcp4Frame('198.51.100.7', '10.0.0.2', { srcPort: 443, dstPort: 40000, seq: 1 + i * 1000, ack: 101 + i * 100 }, new Uint8Array(1000)) });
    frames.push({ ts: t + 0.05, data: udp4Frame('10.0.0.2', '198.51.100.8', 50000, 443, new Uint8Array(i % 3 === 0 ? 300 : 40)) });
    frames.push({ ts: t + 0.09, data: udp4Frame('198.51.100.8', '10.0.0.2', 443, 50000, new Uint8Array(1200)) });
  }
  for (const level of ['flow', 'session'] as const) {
    const config = normalizeConfig({ Services: [{ Name: 'v', Filter: { Prefixes: ['0.0.0.0/0'] }, Collect: ['all'] }], Bins: [2, 10], Level: level });
    const table = new FeatureTable(level, { raw: true });
    const p = new Pipeline({ config, sink: table, raw: true });
    p.processBatch(batchOf(frames));
    const bytes = p.stateBytes();
    p.finish();
    assert.ok(table.length > 0);
    for (const c of cols(names('all'))) assert.ok(table.columns.includes(c), c);
    const rtt = table.column('TCPCounters.RttMeanUp') as Float64Array;
    const someRtt = Array.from(rtt).filter((x) => !Number.isNaN(x));
    assert.ok(someRtt.length > 0 && someRtt.every((x) => Math.abs(x - 20) < 1e-3), `${level}: RTT 20 ms`);
    const gaps = Array.from(table.column('LatencyCounters.UdpReqRespGaps') as Float64Array).reduce((a, b) => a + (b || 0), 0);
    assert.equal(gaps, 2 * 14, `${level}: one gap per request, for both bin sizes`);
    assert.ok(bytes.TCPCounters > 0 && bytes.VideoSegments > 0 && bytes.SessionCounters > 0);
  }
});

/** A small deterministic PRNG for the fuzz test. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

test('garbage input: random flags, sequence numbers, options and lengths never throw; state stays bounded', () => {
  const defs = ['TCPCounters', 'LatencyCounters', 'VideoSegments', 'SessionCounters'].map((n) => getFeature(n)!) as FeatureDefinition[];
  for (const level of ['flow', 'session'] as const) {
    for (const def of defs) {
      const d = new Driver(def, { maxOutstanding: 64 }, level);
      const r = rng(42);
      for (let i = 0; i < 20000; i++) {
        const flow = Math.floor(r() * 16);
        const unit = level === 'flow' ? flow : flow % 3;
        d.add({
          ts: T + i * 1e-3 + (r() < 0.05 ? -1 : 0), up: r() < 0.5, flow, udp: r() < 0.2,
          flags: Math.floor(r() * 256), seq: Math.floor(r() * 2 ** 32), ack: Math.floor(r() * 2 ** 32),
          window: Math.floor(r() * 65536), wscale: r() < 0.1 ? Math.floor(r() * 256) : -1, badOptions: r() < 0.1 ? 1 : 0,
          len: r() < 0.3 ? 0 : Math.floor(r() * 1500),
        }, unit);
        if (i % 997 === 0) { const row = d.collect(unit); for (const v of Object.values(row)) assert.equal(typeof v, 'number'); }
        if (level === 'session' && i % 1499 === 0) d.inst.flowEnded?.(flow);
      }
      // 16 flows x 2 directions x 64 outstanding segments x 13 bytes, plus fixed arrays.
      assert.ok(d.inst.stateBytes() < 2_000_000, `${def.featureName}/${level}: ${d.inst.stateBytes()} bytes`);
    }
  }
});
