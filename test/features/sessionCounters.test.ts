import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionCounters } from '../../src/features/builtin/sessionCounters';
import { Driver, pkt } from './util';

const T = 1_700_000_000;

test('SessionCounters: throughput, active and parallel flows, byte ratio', () => {
  const d = new Driver(SessionCounters, {}, 'session');
  // Flow 1 active 0..1 s, flow 2 0.5..2 s, flow 3 3..4 s: at most 2 at once.
  d.add({ ts: T, up: true, flow: 1, ipLen: 100 }, 0);
  d.add({ ts: T + 1, up: false, flow: 1, ipLen: 1000 }, 0);
  d.add({ ts: T + 0.5, up: true, flow: 2, ipLen: 100 }, 0);
  d.add({ ts: T + 2, up: false, flow: 2, ipLen: 1500 }, 0);
  d.add({ ts: T + 3, up: true, flow: 3, ipLen: 300 }, 0);
  d.add({ ts: T + 4, up: false, flow: 3, ipLen: 2500 }, 0);
  const r = d.collect(0);
  assert.equal(r.KbpsUp, 500 / (10 * 128));
  assert.equal(r.KbpsDw, 5000 / (10 * 128));
  assert.equal(r.ActiveFlows, 3);
  assert.equal(r.MaxParallelFlows, 2);
  assert.equal(r.UpDownByteRatio, 0.1);
  assert.ok(Number.isNaN(r.OtherKbpsUp), 'other traffic not fed: NaN');
  // Next bin: only flow 2 speaks; a flow id ended and reused by another session does not leak.
  d.inst.flowEnded!(1);
  d.add({ ts: T + 11, up: true, flow: 1, ipLen: 40 }, 1); // flow id 1 reused in session 1
  d.add({ ts: T + 12, up: true, flow: 2, ipLen: 40 }, 0);
  const r2 = d.collect(0);
  assert.equal(r2.ActiveFlows, 1);
  assert.equal(r2.MaxParallelFlows, 1);
  assert.ok(Number.isNaN(r2.UpDownByteRatio));
  assert.equal(d.collect(1).ActiveFlows, 1);
});

test('SessionCounters: other traffic of the client, once the pipeline feeds it', () => {
  const d = new Driver(SessionCounters, {}, 'session');
  d.add({ ts: T, up: true, flow: 1, ipLen: 100 }, 0);
  const sc = d.inst as SessionCounters;
  sc.addOtherPacket(pkt({ ts: T + 1, up: false, flow: 9, ipLen: 1280 }), 0);
  const r = d.collect(0);
  assert.equal(r.OtherKbpsDw, 1);
  assert.equal(r.OtherKbpsUp, 0);
});

test('SessionCounters at flow level reports the flow itself', () => {
  const d = new Driver(SessionCounters);
  d.add({ ts: T, up: true, flow: 5, ipLen: 100 });
  d.add({ ts: T + 1, up: false, flow: 5, ipLen: 400 });
  const r = d.collect(5);
  assert.deepEqual([r.ActiveFlows, r.MaxParallelFlows, r.UpDownByteRatio], [1, 1, 0.25]);
  // The same flow as the only one of a session gives the same row (flow level keeps no flow lists).
  const s = new Driver(SessionCounters, {}, 'session');
  s.add({ ts: T, up: true, flow: 5, ipLen: 100 }, 0);
  s.add({ ts: T + 1, up: false, flow: 5, ipLen: 400 }, 0);
  assert.deepEqual(s.collect(0), r);
  // A bin with no packet of the flow: no active flow.
  const empty = d.collect(5);
  assert.deepEqual([empty.ActiveFlows, empty.MaxParallelFlows, empty.KbpsUp], [0, 0, 0]);
  const before = d.inst.stateBytes();
  d.release(5);
  assert.ok(d.inst.stateBytes() <= before);
});
