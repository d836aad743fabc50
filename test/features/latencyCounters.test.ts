import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyCounters } from '../../src/features/builtin/latencyCounters';
import { Driver, near } from './util';

const T = 1_700_000_000;
const EPS = 1e-3; // ms; timestamps near 1.7e9 s carry ~0.2 µs of rounding

/** Upstream data segments of 100 bytes, each acked after the given RTT (ms). */
function rttSeries(d: Driver, rtts: number[], flow = 0, t0 = T, seq = 1000): void {
  rtts.forEach((rtt, i) => {
    const t = t0 + i;
    d.add({ ts: t, up: true, flow, seq, ack: 1, len: 100 });
    seq += 100;
    d.add({ ts: t + rtt / 1000, up: false, flow, seq: 1, ack: seq });
  });
}

test('LatencyCounters: RTT and jitter on a known RTT series', () => {
  const d = new Driver(LatencyCounters);
  rttSeries(d, [10, 30, 20, 50]);
  const r = d.collect();
  near(r.RttMeanUp, 27.5, EPS, 'RttMeanUp');
  near(r.RttMinUp, 10, EPS); near(r.RttMaxUp, 50, EPS);
  near(r.RttStdUp, Math.sqrt((17.5 ** 2 + 2.5 ** 2 + 7.5 ** 2 + 22.5 ** 2) / 4), EPS, 'RttStdUp');
  // Jitter: |30-10|, |20-30|, |50-20| = 20, 10, 30.
  near(r.JitterMeanUp, 20, EPS, 'JitterMeanUp');
  near(r.JitterMinUp, 10, EPS); near(r.JitterMaxUp, 30, EPS);
  near(r.JitterStdUp, Math.sqrt(200 / 3), EPS, 'JitterStdUp');
  assert.ok(Number.isNaN(r.RttMeanDw), 'no downstream data: no downstream RTT');
  assert.ok(Number.isNaN(r.UdpReqRespGapMean));
  assert.equal(r.UdpReqRespGaps, 0);
  // Jitter continues across bins from the flow's previous RTT.
  rttSeries(d, [40], 0, T + 10, 1400);
  const r2 = d.collect();
  near(r2.RttMeanUp, 40, EPS);
  near(r2.JitterMeanUp, 10, EPS, '|40 - 50| across the bin boundary');
  // Data already acknowledged, sent again: no RTT sample.
  rttSeries(d, [5], 0, T + 20, 1000);
  assert.ok(Number.isNaN(d.collect().RttMeanUp));
});

test('LatencyCounters: jitter is per flow at session level', () => {
  const d = new Driver(LatencyCounters, {}, 'session');
  // Interleaved flows: flow 1 always 10 ms, flow 2 always 50 ms; per-flow jitter is 0.
  for (let i = 0; i < 3; i++) {
    d.add({ ts: T + i, up: true, flow: 1, seq: 1 + i * 10, ack: 1, len: 10 }, 0);
    d.add({ ts: T + i + 0.2, up: true, flow: 2, seq: 1 + i * 10, ack: 1, len: 10 }, 0);
    d.add({ ts: T + i + 0.01, up: false, flow: 1, seq: 1, ack: 11 + i * 10 }, 0);
    d.add({ ts: T + i + 0.25, up: false, flow: 2, seq: 1, ack: 11 + i * 10 }, 0);
  }
  const r = d.collect(0);
  near(r.RttMeanUp, 30, EPS);
  near(r.JitterMaxUp, 0, EPS, 'no jitter within a flow');
  assert.equal(r.JitterMeanUp === r.JitterMeanUp, true, '4 jitter samples exist');
});

test('LatencyCounters: UDP/QUIC request-to-first-response gap', () => {
  const d = new Driver(LatencyCounters);
  const u = (ts: number, up: boolean, len: number) => d.add({ ts: T + ts, up, udp: true, len });
  u(0, false, 1200);      // response without a request: ignored
  u(1, true, 1200);       // request
  u(1.040, false, 1350);  // first response: 40 ms
  u(1.050, false, 1350);  // later responses: not gaps
  u(2, true, 60);         // small upstream datagram (an ACK): not a request
  u(2.010, false, 1350);
  u(3, true, 200);        // request
  u(3.005, true, 200);    // still unanswered: the gap counts from the first
  u(3.025, false, 500);   // 25 ms
  const r = d.collect();
  assert.equal(r.UdpReqRespGaps, 2);
  near(r.UdpReqRespGapMean, 32.5, EPS);
  near(r.UdpReqRespGapMin, 25, EPS);
  near(r.UdpReqRespGapMax, 40, EPS);
  assert.ok(Number.isNaN(r.RttMeanUp), 'no TCP: no RTT');
});

test('LatencyCounters: stateBytes returns to baseline after release', () => {
  const d = new Driver(LatencyCounters);
  d.add({ ts: T, up: true, seq: 1, ack: 1 });
  const base = d.inst.stateBytes();
  for (let i = 0; i < 500; i++) d.add({ ts: T + i * 1e-3, up: true, seq: 1 + i * 10, ack: 1, len: 10 });
  assert.ok(d.inst.stateBytes() > base);
  d.release(0);
  assert.equal(d.inst.stateBytes(), base);
});
