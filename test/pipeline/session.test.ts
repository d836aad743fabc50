import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { normalizeConfig } from '../../src/config/config';
import { tcp4Frame, udp4Frame } from '../../src/datasets/packets';
import { batchOf, Frame } from '../helpers';

const T0 = 1_700_000_000;

test('session rows: a client x service, summed over its flows, with the client\'s other traffic beside it', () => {
  const config = normalizeConfig({
    Level: 'session',
    Services: [
      { Name: 'Netflix', Filter: { Prefixes: ['45.57.0.0/17'] }, Collect: ['PacketCounters', 'SessionCounters'] },
      { Name: 'Zoom', Filter: { Prefixes: ['3.80.20.128/25'] }, Collect: ['PacketCounters'] },
    ],
  });
  const table = new FeatureTable('session');
  const p = new Pipeline({ config, bins: [10], sink: table });
  const c = '192.168.1.5';
  const frames: Frame[] = [];
  for (let i = 0; i < 10; i++) {
    // Two parallel video flows, 1,000-byte IP packets down.
    frames.push({ ts: T0 + i, data: tcp4Frame('45.57.1.1', c, { srcPort: 443, dstPort: 50000 }, new Uint8Array(960)) });
    frames.push({ ts: T0 + i + 0.5, data: tcp4Frame('45.57.1.2', c, { srcPort: 443, dstPort: 50001 }, new Uint8Array(960)) });
    // Other traffic of the same client: no service (web) and another service (Zoom).
    frames.push({ ts: T0 + i + 0.2, data: udp4Frame('1.1.1.1', c, 53, 40000, new Uint8Array(472)) }); // 500 B IP
    frames.push({ ts: T0 + i + 0.3, data: udp4Frame('3.80.20.130', c, 8801, 40001, new Uint8Array(222)) }); // 250 B IP
    // Another client's traffic never counts for this one.
    frames.push({ ts: T0 + i + 0.4, data: udp4Frame('1.1.1.1', '192.168.1.6', 53, 40002, new Uint8Array(972)) });
  }
  p.processBatch(batchOf(frames));
  p.finish();
  const rows = table.toRows();
  const nf = rows.filter((r) => r.service === 'Netflix');
  assert.equal(nf.length, 1);
  assert.equal(nf[0].local_ip, c);
  assert.equal(nf[0].flows, 2);
  assert.equal(nf[0]['PacketCounters.InPackets'], 20, 'both flows summed');
  assert.equal(nf[0]['PacketCounters.InBytes'], 20 * 1000);
  assert.equal(nf[0]['SessionCounters.KbpsDw'], (20 * 1000) / (10 * 128));
  assert.equal(nf[0]['SessionCounters.OtherKbpsDw'], (10 * 500 + 10 * 250) / (10 * 128), 'web + Zoom of the same client, not the other client');
  const zoom = rows.filter((r) => r.service === 'Zoom');
  assert.equal(zoom.length, 1);
  assert.equal(zoom[0]['PacketCounters.InPackets'], 10);
  assert.ok(Number.isNaN(zoom[0]['SessionCounters.KbpsDw']), 'a class the service does not collect is NaN in its rows');
  assert.equal(nf[0].bin_size, 10, 'identifying numeric columns are never overwritten with NaN');
});
