import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extrapolate } from '../../src/profile';

const row = {
  feature_class: 'TCPCounters', state_bytes_per_flow_peak: 2000, state_bytes_per_flow_median: 1500,
  ns_per_packet_mean: 500, ns_per_packet_median: 400, ns_per_packet_p99: 2000, storage_bytes_per_hour_per_flow_parquet: 3600,
};

test('extrapolate: memory and cores for a 10 Gb/s link (hand-computed)', () => {
  // 10 Gb/s of 1250-byte packets = 1e10 / (8 x 1250) = 1,000,000 packets/s.
  const e = extrapolate(row, { linkGbps: 10, meanPacketBytes: 1250, concurrentFlows: 100_000, utilization: 0.5 });
  assert.equal(e.packets_per_second, 1_000_000);
  // 100,000 flows x 2000 B = 200 MB.
  assert.equal(e.memory_bytes, 200_000_000);
  // 1e6 packets/s x 500 ns = 0.5 s of CPU per second, at 50 % utilization: 1 core.
  assert.equal(e.cores, 1);
  assert.equal(e.storage_bytes_per_hour, 360_000_000);
  assert.equal(e.feature_class, 'TCPCounters');
});

test("extrapolate: Little's law for concurrent flows, shared per-packet work, median statistic", () => {
  // 2,000 new flows/s lasting 30 s on average: 60,000 concurrent flows.
  const e = extrapolate(row, { linkGbps: 1, meanPacketBytes: 500, flowArrivalsPerSecond: 2000, meanFlowSeconds: 30, sharedNsPerPacket: 100, statistic: 'median' });
  assert.equal(e.packets_per_second, 250_000);
  assert.equal(e.concurrent_flows, 60_000);
  assert.equal(e.memory_bytes, 60_000 * 1500);
  // 250,000 x (400 + 100) ns = 0.125 cores at full utilization.
  assert.ok(Math.abs(e.cores - 0.125) < 1e-12);
  assert.throws(() => extrapolate(row, { linkGbps: 1, meanPacketBytes: 500 }), /concurrentFlows/);
  assert.throws(() => extrapolate(row, { linkGbps: 0, meanPacketBytes: 500, concurrentFlows: 1 }), /positive/);
});
