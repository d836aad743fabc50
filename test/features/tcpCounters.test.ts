import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCPCounters } from '../../src/features/builtin/tcpCounters';
import { seqDiff } from '../../src/features/builtin/tcpTrack';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { normalizeConfig } from '../../src/config/config';
import { tcp4Frame, TcpFlag, tcpOption, concat } from '../../src/datasets/packets';
import { batchOf, Frame } from '../helpers';
import { Driver, near } from './util';
import '../../src/features';

const { SYN, ACK, FIN, RST, PSH, URG } = TcpFlag;
const T = 1_700_000_000;

/** Handshake with window scaling, data, an RTT of 30 ms, a retransmission and an out-of-order segment. */
function exchange(d: Driver): void {
  d.add({ ts: T, up: true, flags: SYN, seq: 1000, wscale: 7, window: 65535 });
  d.add({ ts: T + 0.030, up: false, flags: SYN | ACK, seq: 5000, ack: 1001, wscale: 8, window: 65535 });
  d.add({ ts: T + 0.031, up: true, flags: ACK, seq: 1001, ack: 5001, window: 1000 });
  d.add({ ts: T + 0.040, up: true, flags: ACK | PSH, seq: 1001, ack: 5001, window: 1000, len: 100 });
  d.add({ ts: T + 0.070, up: false, flags: ACK, seq: 5001, ack: 1101, window: 500 });
  d.add({ ts: T + 0.100, up: true, flags: ACK | URG, seq: 1101, ack: 5001, window: 1000, len: 100 });
  d.add({ ts: T + 0.150, up: true, flags: ACK, seq: 1101, ack: 5001, window: 1000, len: 100 }); // retransmission
  d.add({ ts: T + 0.200, up: false, flags: ACK, seq: 5001, ack: 1201, window: 500 }); // Karn: no sample
  d.add({ ts: T + 0.300, up: true, flags: ACK, seq: 1301, ack: 5001, window: 1000, len: 100 }); // 1201..1301 not yet sent
  d.add({ ts: T + 0.310, up: true, flags: ACK, seq: 1201, ack: 5001, window: 1000, len: 100 }); // out of order
  d.add({ ts: T + 0.330, up: false, flags: ACK, seq: 5001, ack: 1401, window: 500 }); // acks 1301 and 1401: RTT 30 ms
  d.add({ ts: T + 0.400, up: true, flags: FIN | ACK, seq: 1401, ack: 5001, window: 1000 });
  d.add({ ts: T + 0.410, up: false, flags: RST, seq: 5001, ack: 0, window: 0 });
}

test('TCPCounters: flags, bytes, retransmission, out-of-order, RTT (Karn), window scaling, bytes in flight', () => {
  const d = new Driver(TCPCounters);
  exchange(d);
  const r = d.collect();
  assert.deepEqual([r.AckUp, r.SynUp, r.FinUp, r.RstUp, r.PshUp, r.UrgUp], [7, 1, 1, 0, 1, 1]);
  assert.deepEqual([r.AckDw, r.SynDw, r.FinDw, r.RstDw, r.PshDw, r.UrgDw], [4, 1, 0, 1, 0, 0]);
  assert.equal(r.PayloadBytesUp, 500);
  assert.equal(r.PayloadBytesDw, 0);
  assert.deepEqual([r.RetransUp, r.RetransBytesUp, r.OutOfOrderUp, r.OutOfOrderBytesUp], [1, 100, 1, 100]);
  assert.deepEqual([r.RetransDw, r.OutOfOrderDw], [0, 0]);
  // Upstream RTT samples: SYN -> SYN-ACK 30 ms, first data 30 ms, the retransmitted one skipped, 1401 acked after 30 ms.
  near(r.RttMeanUp, 30, 1e-3, 'RttMeanUp');
  near(r.RttStdUp, 0, 1e-3, 'RttStdUp');
  near(r.RttMinUp, 30, 1e-3); near(r.RttMaxUp, 30, 1e-3);
  // Downstream: SYN-ACK acked by the client 1 ms later.
  near(r.RttMeanDw, 1, 1e-3, 'RttMeanDw');
  // Window: the SYN's own window is never scaled; afterwards 1000 << 7 and 500 << 8.
  assert.equal(r.WindowMinUp, 65535);
  assert.equal(r.WindowMaxUp, 128000);
  assert.equal(r.WindowMaxDw, 128000);
  // Bytes in flight at each upstream payload segment: 100, 100, 100, 200, 200.
  assert.equal(r.InFlightMeanUp, 140);
  assert.equal(r.InFlightMinUp, 100);
  assert.equal(r.InFlightMaxUp, 200);
  assert.ok(Number.isNaN(r.InFlightMeanDw), 'no downstream payload: NaN');
  // Bytes per packet upstream: 8 packets carrying 500 bytes.
  assert.equal(r.BytesPerPktMeanUp, 62.5);
  assert.equal(r.OutstandingDropped, 0);
  // The FIN is still outstanding (never acked).
  assert.equal((d.inst as TCPCounters).outstanding(0, 0), 1);
  // A new bin starts empty.
  const r2 = d.collect();
  assert.equal(r2.AckUp, 0);
  assert.ok(Number.isNaN(r2.RttMeanUp));
});

test('TCPCounters: no window scaling unless both SYNs offered it', () => {
  const d = new Driver(TCPCounters);
  d.add({ ts: T, up: true, flags: SYN, seq: 1, wscale: 7 });
  d.add({ ts: T + 0.01, up: false, flags: SYN | ACK, seq: 1, ack: 2 }); // no wscale option
  d.add({ ts: T + 0.02, up: true, flags: ACK, seq: 2, ack: 2, window: 1000 });
  const r = d.collect();
  assert.equal(r.WindowMinUp, 1000);
  assert.equal(r.BadWscale, 0);
});

test('TCPCounters: sequence numbers wrap around 2^32', () => {
  assert.equal(seqDiff(50, 4294967246), 100);
  assert.equal(seqDiff(4294967246, 50), -100);
  const d = new Driver(TCPCounters);
  const isn = 4294967246; // 2^32 - 50
  d.add({ ts: T, up: true, seq: isn, ack: 1, len: 100 });          // end wraps to 50
  d.add({ ts: T + 0.01, up: true, seq: 50, ack: 1, len: 100 });    // end 150
  d.add({ ts: T + 0.02, up: true, seq: isn, ack: 1, len: 100 });   // retransmission across the wrap
  d.add({ ts: T + 0.03, up: true, seq: 250, ack: 1, len: 100 });   // end 350 (150..250 missing)
  d.add({ ts: T + 0.04, up: true, seq: 150, ack: 1, len: 100 });   // out of order
  d.add({ ts: T + 0.06, up: false, seq: 1, ack: 350 });            // acks everything; 350 was sent at +0.03
  const r = d.collect();
  assert.equal(r.RetransUp, 1);
  assert.equal(r.OutOfOrderUp, 1);
  near(r.RttMeanUp, 30, 1e-3, 'RTT across the wrap');
  assert.equal(r.RttMaxUp, r.RttMinUp, 'one sample');
  assert.equal((d.inst as TCPCounters).outstanding(0, 0), 0, 'the cumulative ACK freed every segment');
  // Bytes in flight after the ACK: next segment of 100 bytes -> 100 in flight.
  d.add({ ts: T + 0.07, up: true, seq: 350, ack: 1, len: 100 });
  const r2 = d.collect();
  assert.equal(r2.InFlightMaxUp, 100);
});

test('TCPCounters: absurd window scale is clamped to 14 and counted; bad options counted', () => {
  const d = new Driver(TCPCounters);
  d.add({ ts: T, up: true, flags: SYN, seq: 1, wscale: 20, badOptions: 2 });
  d.add({ ts: T + 0.01, up: false, flags: SYN | ACK, seq: 1, ack: 2, wscale: 0 });
  d.add({ ts: T + 0.02, up: true, flags: ACK, seq: 2, ack: 2, window: 2 });
  const r = d.collect();
  assert.equal(r.BadWscale, 1);
  assert.equal(r.BadOptions, 2);
  assert.equal(r.WindowMaxUp, 65535); // the SYN's raw window
  assert.equal(r.WindowMinUp, 2 * 16384);
});

test('TCPCounters: a hostile flow with endless unacked data hits the cap, counted', () => {
  const d = new Driver(TCPCounters, { maxOutstanding: 8 });
  for (let i = 0; i < 20; i++) d.add({ ts: T + i * 0.001, up: true, seq: 1 + i * 1000, ack: 1, len: 1000 });
  const r = d.collect();
  assert.equal((d.inst as TCPCounters).outstanding(0, 0), 8);
  assert.equal(r.OutstandingDropped, 12);
  // The newest 8 are kept: an ACK of the last one still gives an RTT.
  d.add({ ts: T + 0.019 + 0.05, up: false, seq: 1, ack: 1 + 20 * 1000 });
  near(d.collect().RttMeanUp, 50, 1e-3);
  // A sequence jump beyond any window discards the old outstanding data (counted).
  d.add({ ts: T + 1, up: true, seq: 30001, ack: 1, len: 10 });
  d.add({ ts: T + 1.1, up: true, seq: 30001 + 2 ** 31, ack: 1, len: 10 });
  assert.equal(d.collect().OutstandingDropped, 1);
});

test('TCPCounters: stateBytes grows with outstanding data and returns to baseline after release', () => {
  const d = new Driver(TCPCounters);
  d.add({ ts: T, up: true, seq: 1, ack: 1 }); // pure ACK: per-flow arrays, no ring
  const base = d.inst.stateBytes();
  for (let i = 0; i < 1000; i++) d.add({ ts: T + i * 1e-4, up: true, seq: 1 + i * 100, ack: 1, len: 100 });
  const grown = d.inst.stateBytes();
  assert.ok(grown >= base + 1000 * 12, `state grew with 1000 outstanding segments (${base} -> ${grown})`);
  d.release(0);
  assert.equal(d.inst.stateBytes(), base);
});

test('TCPCounters at session level: sequence tracking per flow, counters per session', () => {
  const d = new Driver(TCPCounters, {}, 'session');
  // Two flows with the same sequence numbers: no false retransmission across flows.
  for (const flow of [3, 4]) {
    d.add({ ts: T, up: true, flow, seq: 100, ack: 1, len: 50 }, 0);
    d.add({ ts: T + 0.02, up: false, flow, seq: 1, ack: 150 }, 0);
  }
  d.inst.flowEnded!(3);
  d.add({ ts: T + 0.1, up: true, flow: 4, seq: 150, ack: 1, len: 50 }, 0);
  d.add({ ts: T + 0.11, up: true, flow: 4, seq: 150, ack: 1, len: 50 }, 0);
  const r = d.collect(0);
  assert.equal(r.PayloadBytesUp, 200);
  assert.equal(r.RetransUp, 1);
  near(r.RttMeanUp, 20, 1e-3);
  assert.equal(r.AckDw, 2);
});

test('TCPCounters through the pipeline: decoded options (window scale, malformed option), alias TCPState', () => {
  const C = '192.168.1.2', S = '203.0.113.9';
  type Tcp = Omit<Parameters<typeof tcp4Frame>[2], 'srcPort' | 'dstPort'>;
  const up = (ts: number, o: Tcp, len = 0): Frame => ({ ts, data: tcp4Frame(C, S, { ...o, srcPort: 40000, dstPort: 443 }, new Uint8Array(len)) });
  const dw = (ts: number, o: Tcp, len = 0): Frame => ({ ts, data: tcp4Frame(S, C, { ...o, srcPort: 443, dstPort: 40000 }, new Uint8Array(len)) });
  const frames: Frame[] = [
    up(T, { flags: SYN, seq: 10, window: 1000, options: concat(tcpOption.mss(1460), tcpOption.windowScale(3)) }),
    dw(T + 0.03, { flags: SYN | ACK, seq: 70, ack: 11, window: 2000, options: tcpOption.windowScale(2) }),
    up(T + 0.031, { flags: ACK, seq: 11, ack: 71, window: 1000, options: Uint8Array.of(8, 40) }), // malformed option
    up(T + 0.05, { flags: ACK | PSH, seq: 11, ack: 71, window: 1000 }, 300),
    dw(T + 0.08, { flags: ACK, seq: 71, ack: 311, window: 2000 }),
  ];
  const config = normalizeConfig({ Services: [{ Name: 's', Filter: { Prefixes: ['0.0.0.0/0'] }, Collect: ['TCPState'] }], Bins: [10] });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ config, sink: table });
  p.processBatch(batchOf(frames));
  p.finish();
  assert.equal(table.length, 1);
  const v = (c: string) => (table.column(`TCPCounters.${c}`) as Float64Array)[0];
  assert.equal(v('BadOptions'), 1);
  assert.equal(v('WindowMaxUp'), 8000);
  assert.equal(v('WindowMinUp'), 1000);
  assert.equal(v('WindowMaxDw'), 8000);
  near(v('RttMeanUp'), 30, 1e-3);
  assert.equal(v('PayloadBytesUp'), 300);
  assert.equal(v('InFlightMaxUp'), 300);
});
