import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { tcp4Frame, TcpFlag } from '../../src/datasets/packets';
import { batchOf, Frame } from '../helpers';
import '../../src/features';

const T0 = 1_600_000_000;

/** A client->server TCP flow: one packet every 0.5 s for 25 s, each direction alternating. */
function flowFrames(): Frame[] {
  const frames: Frame[] = [];
  frames.push({ ts: T0, data: tcp4Frame('192.168.0.10', '93.184.216.34', { srcPort: 50000, dstPort: 443, flags: TcpFlag.SYN }) });
  for (let i = 1; i <= 50; i++) {
    const up = i % 2 === 1;
    const data = up
      ? tcp4Frame('192.168.0.10', '93.184.216.34', { srcPort: 50000, dstPort: 443 }, new Uint8Array(100))
      : tcp4Frame('93.184.216.34', '192.168.0.10', { srcPort: 443, dstPort: 50000 }, new Uint8Array(1000));
    frames.push({ ts: T0 + i * 0.5 - 0.01, data });
  }
  return frames;
}

function run(bins: number[]): FeatureTable {
  const table = new FeatureTable('flow');
  const p = new Pipeline({ bins, sink: table, config: undefined });
  p.processBatch(batchOf(flowFrames()));
  p.finish();
  return table;
}

test('a 25 s flow gives bins starting at 0, 10 and 20 s with the right counts', () => {
  const t = run([10]);
  assert.equal(t.length, 3);
  const starts = Array.from(t.column('bin_start') as Float64Array).map((s) => s - T0).sort((a, b) => a - b);
  assert.deepEqual(starts, [0, 10, 20]);
  const order = Array.from(t.column('bin_start') as Float64Array).map((s, i) => [s, i]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  const out = t.column('PacketCounters.OutPackets') as Float64Array;
  const inn = t.column('PacketCounters.InPackets') as Float64Array;
  const outBytes = t.column('PacketCounters.OutBytes') as Float64Array;
  // Packets at T0 (SYN) and T0 + i*0.5 - 0.01: bin 0 holds SYN + i=1..20, bin 1 i=21..40, bin 2 i=41..50.
  assert.deepEqual(order.map((i) => out[i]), [1 + 10, 10, 5]);
  assert.deepEqual(order.map((i) => inn[i]), [10, 10, 5]);
  assert.equal(outBytes[order[0]], 40 + 10 * 140);
  const kbps = t.column('PacketCounters.KbpsDw') as Float64Array;
  assert.equal(kbps[order[0]], 10 * 1040 / (10 * 128));
  const pps = t.column('PacketCounters.PpsUp') as Float64Array;
  assert.equal(pps[order[0]], 11 / 10, 'packets per second is packets / interval');
  assert.equal((t.column('local_ip') as string[])[0], '192.168.0.10');
  assert.equal((t.column('remote_port') as Float64Array)[0], 443);
  assert.equal((t.column('protocol') as string[])[0], 'tcp');
});

test('sums over 2 s bins equal sums over 10 s bins, in one pass with both sizes', () => {
  const t = run([2, 10]);
  const size = t.column('bin_size') as Float64Array;
  for (const col of ['PacketCounters.OutPackets', 'PacketCounters.InPackets', 'PacketCounters.OutBytes', 'PacketCounters.InBytes']) {
    const v = t.column(col) as Float64Array;
    let s2 = 0, s10 = 0;
    for (let i = 0; i < t.length; i++) (size[i] === 2 ? (s2 += v[i]) : (s10 += v[i]));
    assert.equal(s2, s10, col);
    assert.ok(s2 > 0);
  }
  assert.equal(Array.from(size).filter((s) => s === 2).length, 13);
});

test('idle eviction closes the flow and emits its partial bin; a returning 5-tuple is a new flow', () => {
  const frames: Frame[] = [
    { ts: T0, data: tcp4Frame('10.0.0.1', '1.1.1.1', { srcPort: 40000, dstPort: 80 }) },
    { ts: T0 + 1, data: tcp4Frame('1.1.1.1', '10.0.0.1', { srcPort: 80, dstPort: 40000 }) },
    // Another flow keeps capture time moving past the eviction time (5 s here).
    { ts: T0 + 20, data: tcp4Frame('10.0.0.2', '1.1.1.1', { srcPort: 40001, dstPort: 80 }) },
    { ts: T0 + 30, data: tcp4Frame('10.0.0.1', '1.1.1.1', { srcPort: 40000, dstPort: 80 }) },
  ];
  const table = new FeatureTable('flow');
  const { normalizeConfig } = require('../../src/config/config') as typeof import('../../src/config/config');
  const config = normalizeConfig({ FlowCache: { EvictTime: 5e9, CleanupTime: 1e9 } });
  const p = new Pipeline({ bins: [60], sink: table, config });
  p.processBatch(batchOf(frames));
  // At T0+20 the first flow (idle 19 s) is evicted; at T0+30 the second (idle 10 s) too.
  assert.equal(table.length, 2, 'idle flows were evicted and their partial bins emitted before the end');
  p.finish();
  assert.equal(table.length, 3);
  assert.equal(p.stats.flows, 3);
  const pk = table.column('PacketCounters.OutPackets') as Float64Array;
  const pin = table.column('PacketCounters.InPackets') as Float64Array;
  assert.deepEqual([pk[0], pin[0]], [1, 1]);
});

test('MaxFlows bounds the flow table: the idlest flows are evicted first and their bins emitted', () => {
  const { normalizeConfig } = require('../../src/config/config') as typeof import('../../src/config/config');
  const config = normalizeConfig({ FlowCache: { MaxFlows: 64 } });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ bins: [600], sink: table, config });
  const frames: Frame[] = [];
  // One long-lived flow that keeps sending, and 1,000 one-packet flows (a scan).
  for (let i = 0; i < 1000; i++) {
    frames.push({ ts: T0 + i * 0.01, data: tcp4Frame('10.0.0.1', '1.1.1.1', { srcPort: 40000, dstPort: 80 }) });
    frames.push({ ts: T0 + i * 0.01 + 0.005, data: tcp4Frame('10.9.9.9', `2.2.${i >> 8}.${i & 255}`, { srcPort: 5000, dstPort: 80 }) });
  }
  p.processBatch(batchOf(frames));
  assert.ok(p.flows.size <= 64, `flow table bounded (size ${p.flows.size})`);
  assert.ok(p.stats.evictedForSpace >= 1000 - 64);
  p.finish();
  // Nothing counted is lost: every packet appears in some emitted bin.
  const out = table.column('PacketCounters.OutPackets') as Float64Array;
  let sum = 0;
  for (const v of out) sum += v;
  assert.equal(sum, 2000);
  // The busy flow was never evicted: it has exactly one row with all its packets.
  const ports = table.column('local_port') as Float64Array;
  const busy = [...ports.keys()].filter((i) => ports[i] === 40000);
  assert.equal(busy.length, 1);
  assert.equal(out[busy[0]], 1000);
});

test('MaxFlows with EvictMinIdle: active flows are kept, new flows refused and counted until some flow is idle long enough', () => {
  const { normalizeConfig } = require('../../src/config/config') as typeof import('../../src/config/config');
  const config = normalizeConfig({ FlowCache: { MaxFlows: 64, EvictMinIdle: 1e9 } });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ bins: [600], sink: table, config });
  const frames: Frame[] = [];
  // 64 flows, each sending every 0.1 s for 0.5 s: all active when the flood comes.
  for (let k = 0; k < 5; k++) {
    for (let i = 0; i < 64; i++) frames.push({ ts: T0 + k * 0.1 + i * 0.001, data: tcp4Frame('10.0.0.1', `1.1.1.${i}`, { srcPort: 40000, dstPort: 80 }) });
  }
  // A flood of 100 one-packet flows within the next 0.4 s: no flow has been idle for 1 s.
  for (let i = 0; i < 100; i++) frames.push({ ts: T0 + 0.5 + i * 0.004, data: tcp4Frame('10.9.9.9', `2.2.0.${i}`, { srcPort: 5000, dstPort: 80 }) });
  // 2 s later a new flow comes: the 64 have been idle for >= 1 s, so room is made for it.
  frames.push({ ts: T0 + 3, data: tcp4Frame('10.7.7.7', '3.3.3.3', { srcPort: 6000, dstPort: 443 }) });
  p.processBatch(batchOf(frames));
  assert.equal(p.stats.refusedFlows, 100, 'every flood flow refused');
  assert.equal(p.stats.flows, 64 + 1, 'refused flows are not counted as flows');
  assert.ok(p.stats.evictedForSpace >= 1, 'the late flow made room by evicting idle flows');
  assert.ok(p.flows.size <= 64);
  p.finish();
  const out = table.column('PacketCounters.OutPackets') as Float64Array;
  const remote = table.column('remote_ip') as string[];
  // The 64 active flows kept all their packets, in one row each; no flood flow has a row.
  const active = [...remote.keys()].filter((i) => remote[i].startsWith('1.1.1.'));
  assert.equal(active.length, 64);
  for (const i of active) assert.equal(out[i], 5);
  assert.equal(remote.filter((r) => r.startsWith('2.2.')).length, 0);
  assert.equal(remote.filter((r) => r === '3.3.3.3').length, 1);
});

test('a gap longer than EvictTime splits a flow exactly, whatever the cleanup cadence', () => {
  const { normalizeConfig } = require('../../src/config/config') as typeof import('../../src/config/config');
  const config = normalizeConfig({ FlowCache: { EvictTime: 5e9, CleanupTime: 300e9 } });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ bins: [60], sink: table, config });
  const f = (ts: number) => ({ ts: T0 + ts, data: tcp4Frame('10.0.0.1', '1.1.1.1', { srcPort: 40000, dstPort: 80 }) });
  p.processBatch(batchOf([f(0), f(4.9), f(9.8), f(20), f(21)]));
  p.finish();
  assert.equal(p.stats.flows, 2, 'gaps of 4.9 s keep the flow; the 10.2 s gap ends it');
  const out = Array.from(table.column('PacketCounters.OutPackets') as Float64Array).sort();
  assert.deepEqual(out, [2, 3]);
});

test('a late packet after its bin was closed goes to the next bin: every bin is emitted once', () => {
  const table = new FeatureTable('flow');
  const p = new Pipeline({ bins: [10], sink: table });
  const a = (ts: number) => ({ ts: T0 + ts, data: tcp4Frame('10.0.0.1', '1.1.1.1', { srcPort: 40000, dstPort: 80 }) });
  const other = (ts: number) => ({ ts: T0 + ts, data: tcp4Frame('10.0.0.2', '1.1.1.1', { srcPort: 40001, dstPort: 80 }) });
  // Flow a's first bin [0, 10) closes when capture time (flow b) passes 10 s; then a late packet of a at 9.5 s.
  p.processBatch(batchOf([a(0), a(5), other(6), other(12), a(9.5), a(14)]));
  p.finish();
  const starts = (table.column('bin_start') as Float64Array);
  const ports = table.column('local_port') as Float64Array;
  const mine = [...starts.keys()].filter((i) => ports[i] === 40000).map((i) => starts[i] - T0);
  assert.deepEqual(mine.sort((x, y) => x - y), [0, 10], 'no second row for the bin starting at 0');
  const out = table.column('PacketCounters.OutPackets') as Float64Array;
  let total = 0;
  for (let i = 0; i < table.length; i++) if (ports[i] === 40000) total += out[i];
  assert.equal(total, 4, 'the late packet is counted, in the next bin');
});
