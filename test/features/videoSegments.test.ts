import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoSegments, VideoSegmentRecord } from '../../src/features/builtin/videoSegments';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { normalizeConfig } from '../../src/config/config';
import { tcp4Frame } from '../../src/datasets/packets';
import { batchOf, Frame } from '../helpers';
import { Driver, near } from './util';
import '../../src/features';

const T = 1_700_000_000;
const EPS = 1e-3;

test('VideoSegments over TCP: segments per bin and so far, sizes, inter-arrivals, durations', () => {
  const d = new Driver(VideoSegments);
  const up = (t: number, len: number) => d.add({ ts: T + t, up: true, len });
  const dw = (t: number, len: number) => d.add({ ts: T + t, up: false, len });
  dw(-0.5, 999);                       // data before any request: no segment
  up(0, 300);                          // request 1
  dw(0.1, 1000); dw(0.2, 1000); dw(0.3, 1000);
  up(0.35, 0);                         // pure ACK: not a request
  up(2, 300);                          // request 2 closes segment 1 (3000 B, 300 ms)
  dw(2.05, 2000); dw(2.5, 2000);
  up(4, 300);                          // request 3 closes segment 2 (4000 B, 500 ms)
  dw(4.1, 500);
  const r = d.collect(0);
  assert.deepEqual([r.Requests, r.RequestsTotal, r.Completed, r.CompletedTotal], [3, 3, 2, 2]);
  assert.deepEqual([r.SizeMean, r.SizeStd, r.SizeMin, r.SizeMax, r.SizeMedian], [3500, 500, 3000, 4000, 3500]);
  assert.deepEqual([r.Last10SizeMean, r.Last10SizeMin, r.Last10SizeMax], [3500, 3000, 4000]);
  assert.deepEqual([r.AllSizeMean, r.AllSizeStd], [3500, 500]);
  assert.equal(r.CumBytes, 7000);
  near(r.ReqIatMean, 2000, EPS); near(r.ReqIatStd, 0, EPS);
  near(r.DoneIatMean, 2200, EPS, 'completions at 0.3 and 2.5');
  near(r.DurationMean, 400, EPS);
  near(r.ThroughputMean, (80 + 64) / 2, EPS, '3000 B in 0.3 s = 80 kbit/s; 4000 B in 0.5 s = 64 kbit/s');
  assert.deepEqual([r.Pending, r.AwaitingResponse, r.UnlistedSegments], [1, 0, 0]);

  up(12, 300);                         // request 4 closes segment 3 (500 B, 100 ms)
  const raw = d.inst.collectRaw!(0) as VideoSegmentRecord[];
  const r2 = d.collect(0);
  assert.deepEqual([r2.Requests, r2.RequestsTotal, r2.Completed, r2.CompletedTotal], [1, 4, 1, 3]);
  assert.deepEqual([r2.SizeMean, r2.SizeMedian], [500, 500]);
  assert.ok(Number.isNaN(r2.SizeStd) === false && r2.SizeStd === 0);
  assert.deepEqual([r2.Last10SizeMean, r2.Last10SizeMin, r2.Last10SizeMax], [2500, 500, 4000]);
  assert.deepEqual([r2.AllSizeMean, r2.AllSizeMin], [2500, 500]);
  assert.equal(r2.CumBytes, 7500);
  near(r2.ReqIatMean, 8000, EPS);
  near(r2.DoneIatMean, 1600, EPS);
  near(r2.DurationMean, 100, EPS);
  assert.deepEqual([r2.Pending, r2.AwaitingResponse], [1, 1]);
  assert.equal(raw.length, 1);
  near(raw[0].tsStart, T + 4, 1e-6); near(raw[0].lastPkt, T + 4.1, 1e-6); near(raw[0].tsEnd, T + 4.1, 1e-6);
  assert.deepEqual([raw[0].downPkts, raw[0].downBytes, raw[0].flow], [1, 500, 0]);

  // A bin without segments: NaN statistics, totals kept.
  const r3 = d.collect(0);
  assert.equal(r3.Requests, 0);
  assert.ok(Number.isNaN(r3.SizeMean) && Number.isNaN(r3.SizeMedian) && Number.isNaN(r3.DurationMean) && Number.isNaN(r3.ReqIatMean));
  assert.equal(r3.CompletedTotal, 3);
  assert.equal(r3.Last10SizeMean, 2500);
});

test('VideoSegments over UDP: requests are upstream datagrams above 100 bytes', () => {
  const d = new Driver(VideoSegments);
  const u = (t: number, up: boolean, len: number) => d.add({ ts: T + t, up, udp: true, len });
  u(0, true, 50);                      // too small for a request
  u(0.5, true, 1200);                  // request 1
  for (let i = 1; i <= 4; i++) u(0.5 + i * 0.01, false, 1350);
  u(0.6, true, 80);                    // QUIC ACK: not a request
  u(1.5, true, 1200);                  // request 2 closes segment 1
  u(1.6, true, 1200);                  // request 3: segment 2 had no data, replaced (as in the original)
  u(1.7, false, 1000);
  u(2.5, true, 101);                   // request 4 closes segment 3
  const r = d.collect(0);
  assert.deepEqual([r.Requests, r.Completed], [4, 2]);
  assert.deepEqual([r.SizeMin, r.SizeMax], [1000, 5400]);
  near(r.DurationMean, (40 + 100) / 2, EPS);
  assert.deepEqual([r.Pending, r.AwaitingResponse], [1, 1]);
});

test('VideoSegments: the raw list is capped per bin, the rest counted', () => {
  const d = new Driver(VideoSegments, { maxBinSegments: 3 });
  for (let i = 0; i < 6; i++) { d.add({ ts: T + i, up: true, len: 10 }); d.add({ ts: T + i + 0.1, up: false, len: 100 * (i + 1) }); }
  d.add({ ts: T + 6, up: true, len: 10 });
  assert.equal((d.inst.collectRaw!(0) as unknown[]).length, 3);
  const r = d.collect(0);
  assert.equal(r.Completed, 6);
  assert.equal(r.UnlistedSegments, 3);
  assert.equal(r.SizeMax, 600);
  assert.equal(r.SizeMedian, 200, 'median of the listed segments');
  // Last 10 ring keeps only 10.
  for (let i = 0; i < 12; i++) { d.add({ ts: T + 10 + i, up: true, len: 10 }); d.add({ ts: T + 10 + i + 0.1, up: false, len: 1000 }); }
  d.add({ ts: T + 30, up: true, len: 10 });
  const r2 = d.collect(0);
  assert.deepEqual([r2.Last10SizeMin, r2.Last10SizeMax, r2.Last10SizeStd], [1000, 1000, 0]);
  assert.equal(r2.CompletedTotal, 18);
});

test('VideoSegments at session level: two parallel flows through the pipeline, raw segment lists', () => {
  const C = '10.0.0.5', S = '203.0.113.1';
  const up = (t: number, port: number, len: number): Frame => ({ ts: T + t, data: tcp4Frame(C, S, { srcPort: port, dstPort: 443 }, new Uint8Array(len)) });
  const dw = (t: number, port: number, len: number): Frame => ({ ts: T + t, data: tcp4Frame(S, C, { srcPort: 443, dstPort: port }, new Uint8Array(len)) });
  const A = 50001, B = 50002;
  const frames: Frame[] = [
    up(0, A, 200), up(0.05, B, 200),
    dw(0.1, A, 1000), dw(0.2, B, 1500), dw(0.2, A, 1000), dw(0.3, A, 1000), dw(0.4, B, 1500),
    up(1, A, 200),                       // completes A1 (3000)
    dw(1.1, A, 1000), dw(1.2, A, 1000),
    up(2, B, 200),                       // completes B1 (3000)
    up(3, A, 200),                       // completes A2 (2000)
    up(10.5, A, 0),                      // pure ACK after the bin: closes bin 0 while both flows live
  ];
  const config = normalizeConfig({
    Services: [{ Name: 'video', Filter: { Prefixes: ['0.0.0.0/0'] }, Collect: ['VideoCounters', 'SessionCounters'] }],
    Bins: [10], Level: 'session',
  });
  const table = new FeatureTable('session', { raw: true });
  const p = new Pipeline({ config, sink: table, raw: true });
  p.processBatch(batchOf(frames));
  p.finish();
  assert.equal(table.length, 2);
  const v = (c: string, i = 0) => (table.column(c) as Float64Array)[i];
  assert.equal(v('VideoSegments.Requests'), 5);
  assert.equal(v('VideoSegments.Completed'), 3);
  near(v('VideoSegments.SizeMean'), 8000 / 3, 1e-9);
  assert.equal(v('VideoSegments.SizeMedian'), 3000);
  assert.equal(v('VideoSegments.CumBytes'), 8000);
  assert.equal(v('VideoSegments.Pending'), 2);
  near(v('VideoSegments.ReqIatMean'), 750, EPS, 'requests at 0, 0.05, 1, 2, 3 s');
  near(v('VideoSegments.DurationMean'), (300 + 350 + 200) / 3, EPS);
  assert.equal(v('SessionCounters.ActiveFlows'), 2);
  assert.equal(v('SessionCounters.MaxParallelFlows'), 2);
  assert.equal(v('flows'), 2);
  const raw = table.raw[0]!.VideoSegments as VideoSegmentRecord[];
  assert.equal(raw.length, 3);
  assert.equal(new Set(raw.map((s) => s.flow)).size, 2, 'segments of both flows');
  assert.deepEqual(raw.map((s) => s.downBytes).sort(), [2000, 3000, 3000]);
  // Second bin: one flow active, nothing completed, totals carried.
  assert.equal(v('VideoSegments.CompletedTotal', 1), 3);
  assert.equal(v('SessionCounters.ActiveFlows', 1), 1);
});

test('VideoSegments: stateBytes returns to baseline after release', () => {
  const d = new Driver(VideoSegments);
  d.add({ ts: T, up: false, len: 0 });
  const base = d.inst.stateBytes();
  for (let i = 0; i < 1000; i++) { d.add({ ts: T + i * 0.1, up: true, len: 10 }); d.add({ ts: T + i * 0.1 + 0.05, up: false, len: 100 }); }
  const peak = d.inst.stateBytes();
  assert.ok(peak > base);
  // The burst's list room is given back at the next quiet bin.
  d.collect(0);
  d.add({ ts: T + 200, up: true, len: 10 }); d.add({ ts: T + 200.1, up: false, len: 100 }); d.add({ ts: T + 201, up: true, len: 10 });
  d.collect(0);
  d.collect(0);
  assert.ok(d.inst.stateBytes() < peak, 'list shrank after the burst');
  d.release(0);
  assert.equal(d.inst.stateBytes(), base);
});
