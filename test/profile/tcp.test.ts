import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { tcp4Frame, TcpFlag } from '../../src/datasets/packets';
import { getFeature } from '../../src/features/registry';
import { profileTables, ProfileTables } from '../../src/profile';
import '../../src/features';

const T0 = 1_700_000_000;
const FLOWS = 120, SEGMENTS = 200, MSS = 1200;
const NO_TCP = getFeature('TCPCounters') ? false : 'TCPCounters is not registered yet';

/**
 * FLOWS concurrent TCP downloads: handshake, then SEGMENTS server segments of MSS bytes
 * each that the client never acknowledges (snaplen 96: headers only, like Requet).
 */
function capture(): string {
  const w = new PcapWriter(null, 1, 96);
  const server = '93.184.216.34';
  const client = (f: number) => `10.2.${f >> 8}.${f & 255}`;
  const payload = new Uint8Array(MSS);
  for (let f = 0; f < FLOWS; f++) {
    const c = client(f), port = 30000 + f, ts = T0 + f * 1e-3;
    w.write(ts, tcp4Frame(c, server, { srcPort: port, dstPort: 443, seq: 1000, flags: TcpFlag.SYN }));
    w.write(ts + 0.02, tcp4Frame(server, c, { srcPort: 443, dstPort: port, seq: 5000, ack: 1001, flags: TcpFlag.SYN | TcpFlag.ACK }));
    w.write(ts + 0.04, tcp4Frame(c, server, { srcPort: port, dstPort: 443, seq: 1001, ack: 5001, flags: TcpFlag.ACK }));
  }
  for (let i = 0; i < SEGMENTS; i++) {
    for (let f = 0; f < FLOWS; f++) {
      const ts = T0 + 1 + i * 0.14 + f * 1e-4;
      w.write(ts, tcp4Frame(server, client(f), { srcPort: 443, dstPort: 30000 + f, seq: 5001 + i * MSS, ack: 1001, flags: TcpFlag.ACK }, payload));
    }
  }
  const path = join(tempDir('profile-tcp-'), 'tcp.pcap');
  writeFileSync(path, w.toBuffer());
  return path;
}

let path: string | undefined;
const runs: Promise<ProfileTables>[] = [];
function run(i: number, heap: boolean): Promise<ProfileTables> {
  path ??= capture();
  runs[i] ??= profileTables({ captures: path, classes: ['PacketCounters', 'TCPCounters'], representations: [], heap, heapSamples: 4 });
  return runs[i];
}

test('TCP with unacknowledged data: TCPCounters holds far more state per flow than PacketCounters (self and heap)', { skip: NO_TCP }, async () => {
  const t = await run(0, true);
  const s = (c: string) => t.summary.rows.find((r) => r.feature_class === c)!;
  const pc = s('PacketCounters'), tc = s('TCPCounters');
  assert.equal(pc.units_peak, FLOWS);
  assert.ok(tc.state_bytes_per_flow_peak > 5 * pc.state_bytes_per_flow_peak,
    `TCPCounters ${tc.state_bytes_per_flow_peak} B/flow vs PacketCounters ${pc.state_bytes_per_flow_peak} B/flow`);
  // Outstanding segments grow over the capture: the last instants hold the most.
  const series = t.state.rows.filter((r) => r.feature_class === 'TCPCounters' && r.method === 'self');
  assert.ok(series[series.length - 1].bytes > series[0].bytes);
  assert.deepEqual(t.notes.messages, []);
  assert.ok(tc.heap_bytes_peak > 3 * pc.heap_bytes_peak, `heap: TCPCounters ${tc.heap_bytes_peak} vs PacketCounters ${pc.heap_bytes_peak}`);
  assert.equal(tc.features, getFeature('TCPCounters')!.columns.length);
  assert.equal(tc.layer, 'transport');
});

test('ns/packet: PacketCounters is cheaper than TCPCounters, in two runs', { skip: NO_TCP }, async () => {
  for (const i of [0, 1]) {
    const t = await run(i, i === 0);
    const s = (c: string) => t.summary.rows.find((r) => r.feature_class === c)!;
    const pc = s('PacketCounters'), tc = s('TCPCounters');
    assert.equal(pc.packets, FLOWS * (SEGMENTS + 3));
    assert.ok(pc.ns_per_packet_median < tc.ns_per_packet_median,
      `run ${i}: PacketCounters ${pc.ns_per_packet_median.toFixed(1)} ns vs TCPCounters ${tc.ns_per_packet_median.toFixed(1)} ns`);
  }
});
