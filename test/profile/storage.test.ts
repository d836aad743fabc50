import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { tcp4Frame, udp4Frame, TcpFlag } from '../../src/datasets/packets';
import { extractTable } from '../../src/pipeline/extract';
import { encodeTable, readTable, parseCsv, OutputFormat } from '../../src/output/formats';
import type { FeatureTable } from '../../src/output/table';
import { NetflowMeter, VolumeMeter, profile, profileTables, SUMMARY_COLUMNS } from '../../src/profile';
import { profileCommand } from '../../src/cli/profile';
import { batchOf, Frame, tempDir } from '../helpers';

const T0 = 1_700_000_000;
const dir = tempDir('profile-storage-');

/** 100 UDP flows, one packet per second each way for 60 s. */
function frames(): Frame[] {
  const out: Frame[] = [];
  const payload = new Uint8Array(100);
  for (let s = 0; s < 60; s++) {
    for (let f = 0; f < 100; f++) {
      const c = `10.3.0.${f}`;
      out.push({ ts: T0 + s + f * 1e-3, data: udp4Frame(c, '93.184.216.34', 40000 + f, 443, payload) });
      out.push({ ts: T0 + s + 0.5 + f * 1e-3, data: udp4Frame('93.184.216.34', c, 443, 40000 + f, payload) });
    }
  }
  return out;
}

function capture(): string {
  const path = join(dir, 'udp.pcap');
  if (!existsSync(path)) {
    const w = new PcapWriter(null);
    for (const f of frames()) w.write(f.ts, f.data);
    writeFileSync(path, w.toBuffer());
  }
  return path;
}

function sameValues(a: FeatureTable, b: FeatureTable, format: string): void {
  assert.equal(b.length, a.length, format);
  assert.deepEqual([...b.columns].sort(), [...a.columns].sort(), format);
  for (const c of a.columns) {
    const x = Array.from(a.column(c) as ArrayLike<string | number>), y = Array.from(b.column(c) as ArrayLike<string | number>);
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] === 'number' && Number.isNaN(x[i])) assert.ok(Number.isNaN(y[i]), `${format} ${c}[${i}]`);
      else assert.equal(y[i], x[i], `${format} ${c}[${i}]`);
    }
  }
}

test('storage: Parquet of the same rows is smaller than JSON lines, and all three formats read back to the same values', async () => {
  const { table } = await extractTable({ captures: capture(), config: { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0'] }, Collect: ['PacketCounters', 'PacketTimes'] }] } });
  assert.ok(table.length >= 600, `rows ${table.length}`);
  const sizes: Record<string, number> = {};
  for (const f of ['jsonl', 'csv', 'parquet'] as OutputFormat[]) {
    const bytes = encodeTable(table, f);
    sizes[f] = bytes.length;
    const path = join(dir, `rows.${f}`);
    writeFileSync(path, bytes);
    sameValues(table, await readTable(path), f);
  }
  assert.ok(sizes.parquet < sizes.jsonl, `parquet ${sizes.parquet} vs jsonl ${sizes.jsonl}`);
  assert.ok(sizes.csv < sizes.jsonl);
});

test('profile storage table: bytes per hour per format, capture and NetFlow references', async () => {
  const t = await profileTables({ captures: capture(), classes: ['PacketCounters'], representations: ['network'], heap: false });
  const row = (fc: string, format: string) => t.storage.rows.find((r) => r.feature_class === fc && r.format === format)!;
  const seconds = t.volume.seconds;
  assert.ok(Math.abs(seconds - (59.5 + 0.099)) < 1e-6, `seconds ${seconds}`);
  for (const fc of ['PacketCounters', 'network']) {
    assert.ok(row(fc, 'parquet').bytes < row(fc, 'jsonl').bytes);
    assert.ok(Math.abs(row(fc, 'jsonl').bytes_per_hour - (row(fc, 'jsonl').bytes * 3600) / seconds) < 1e-6);
  }
  const s = t.summary.rows.find((r) => r.feature_class === 'PacketCounters')!;
  assert.equal(s.storage_bytes_per_hour_parquet, row('PacketCounters', 'parquet').bytes_per_hour);
  assert.ok(s.storage_bytes_per_hour_parquet < s.storage_bytes_per_hour_csv && s.storage_bytes_per_hour_csv < s.storage_bytes_per_hour_jsonl);
  // 12,000 records of 142 bytes (Ethernet + IP + UDP + 100) in a classic pcap: 24 + 12000 x (16 + 142).
  assert.equal(row('capture', 'pcap').bytes, 24 + 12000 * (16 + 142));
  assert.equal(row('capture', 'pcap_file').bytes, readFileSync(capture()).length);
  assert.equal(row('capture', 'wire').bytes, 12000 * 142);
  // 100 two-way flows of ~60 s: one record per direction per flow (the 60 s active timeout is not reached).
  assert.equal(t.netflow.flows, 100);
  assert.equal(row('netflow', 'netflow_v5').rows, 200);
  assert.equal(row('netflow', 'netflow_v5').bytes, 200 * 48 + Math.ceil(200 / 30) * 24);
  assert.ok(row('netflow', 'ipfix').bytes < row('PacketCounters', 'parquet').bytes * 10);
});

test('profile on 2 worker threads: the same state, storage and volume figures as one thread, one progress bar', async () => {
  const opts = { captures: [capture(), capture()], classes: ['PacketCounters', 'PacketTimes'], representations: ['network', 'transport'], heap: false };
  const one = await profileTables({ ...opts, workers: 1 });
  const fractions: number[] = [];
  const two = await profileTables({ ...opts, workers: 2, onProgress: (p) => fractions.push(p.fraction) });
  assert.deepEqual(two.volume, one.volume);
  assert.deepEqual(two.netflow, one.netflow);
  assert.deepEqual(two.storage.rows, one.storage.rows);
  assert.deepEqual(two.state.rows, one.state.rows);
  const deterministic = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !/ns|cpu|time/i.test(k)));
  assert.deepEqual(two.summary.rows.map(deterministic), one.summary.rows.map(deterministic));
  assert.equal(two.timing.rows.length, one.timing.rows.length);
  assert.match(two.notes.timing_method, /worker threads/, 'the notes say runs shared the cores');
  assert.deepEqual(two.notes.messages, one.notes.messages);
  assert.ok(fractions.length >= 2 && fractions[fractions.length - 1] === 1, 'progress ends at 1');
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1] - 1e-9, 'one bar that only moves forward');
});

test('NetFlow records: active timeout, inactive timeout, TCP FIN, capture end (hand-counted)', () => {
  const f: Frame[] = [];
  // A: two-way UDP, a packet each way every second for 0..130 s: intervals [0,60) [60,120) [120,130], 2 directions each.
  for (let s = 0; s <= 130; s++) {
    f.push({ ts: T0 + s, data: udp4Frame('10.4.0.1', '93.184.216.34', 5000, 443, new Uint8Array(10)) });
    f.push({ ts: T0 + s + 0.5, data: udp4Frame('93.184.216.34', '10.4.0.1', 443, 5000, new Uint8Array(10)) });
  }
  // B: one packet at 5 s, expired by the 15 s inactive timeout: 1 record.
  f.push({ ts: T0 + 5.2, data: udp4Frame('10.4.0.2', '93.184.216.34', 5001, 53, new Uint8Array(10)) });
  // C: SYN, SYN-ACK, FIN (2 records, the flow ends), then a late ACK (a new flow: 1 record).
  f.push({ ts: T0 + 0.1, data: tcp4Frame('10.4.0.3', '93.184.216.34', { srcPort: 5002, dstPort: 443, flags: TcpFlag.SYN }) });
  f.push({ ts: T0 + 0.2, data: tcp4Frame('93.184.216.34', '10.4.0.3', { srcPort: 443, dstPort: 5002, flags: TcpFlag.SYN | TcpFlag.ACK }) });
  f.push({ ts: T0 + 2.1, data: tcp4Frame('10.4.0.3', '93.184.216.34', { srcPort: 5002, dstPort: 443, flags: TcpFlag.FIN | TcpFlag.ACK }) });
  f.push({ ts: T0 + 3.1, data: tcp4Frame('93.184.216.34', '10.4.0.3', { srcPort: 443, dstPort: 5002, flags: TcpFlag.ACK }) });
  f.sort((a, b) => a.ts - b.ts);
  const m = new NetflowMeter();
  const v = new VolumeMeter();
  m.startCapture();
  v.startCapture();
  for (let i = 0; i < f.length; i += 50) { const b = batchOf(f.slice(i, i + 50)); m.addBatch(b); v.addBatch(b); }
  const r = m.result();
  assert.equal(r.flows, 4);
  assert.equal(r.records, 6 + 1 + 3);
  assert.equal(r.v5Bytes, 10 * 48 + 24);
  // IPFIX: 10 IPv4 records of 51 B, one message (16 + 4), templates once (130 s < 600 s).
  assert.equal(r.ipfixBytes, 10 * 51 + 20 + 112);
  const vol = v.result();
  assert.equal(vol.records, f.length);
  assert.ok(Math.abs(vol.seconds - 130.5) < 1e-6);
});

test('a live source (PacketBatch iterable, or a stream) is profiled in one pass, without a heap run', async () => {
  const f = frames();
  const batches = [];
  for (let i = 0; i < f.length; i += 1000) batches.push(batchOf(f.slice(i, i + 1000)));
  const t = await profileTables({ source: batches, classes: ['PacketCounters', 'PacketTimes'], representations: ['network'] });
  assert.deepEqual(t.summary.column('feature_class'), ['PacketCounters', 'PacketTimes', 'network']);
  const net = t.summary.rows[2];
  assert.equal(net.state_bytes_peak, t.summary.rows[0].state_bytes_peak + t.summary.rows[1].state_bytes_peak);
  assert.equal(net.packets, 12000);
  assert.ok(net.ns_per_packet_median > 0);
  assert.ok(Number.isNaN(net.heap_bytes_median));
  assert.match(t.notes.messages.join('\n'), /heap: not measured/);
  // A capture stream can be read once: it is profiled the same way, in one pass.
  const s = await profileTables({ captures: createReadStream(capture()), classes: ['PacketCounters'], representations: [] });
  assert.equal(s.summary.rows[0].packets, 12000);
  assert.equal(s.summary.rows[0].state_bytes_peak, t.summary.rows[0].state_bytes_peak);
  assert.equal(s.volume.records, 12000);
});

test('profile() gives danfojs DataFrames; refinery profile writes the four CSVs', async () => {
  const frames = await profile({ captures: capture(), classes: ['PacketCounters'], representations: [], heap: false });
  for (const c of ['feature_class', 'layer', 'features', 'state_bytes_median', 'state_bytes_peak', 'ns_per_packet_median', 'ns_per_packet_p99',
    'storage_bytes_per_hour_jsonl', 'storage_bytes_per_hour_csv', 'storage_bytes_per_hour_parquet']) {
    assert.ok(frames.summary.columns.includes(c), c);
  }
  assert.equal(frames.summary.shape[0], 1);
  assert.ok(frames.state.shape[0] >= 6);

  const out = join(dir, 'cli', 'summary.csv');
  const code = await profileCommand([capture(), '--no-heap', '--classes', 'PacketCounters', '--representations', '', '--out', out, '--quiet']);
  assert.equal(code, 0);
  const rows = parseCsv(readFileSync(out, 'utf8'));
  assert.deepEqual(Object.keys(rows[0]), [...SUMMARY_COLUMNS]);
  assert.equal(rows[0].feature_class, 'PacketCounters');
  for (const k of ['state', 'timing', 'storage']) assert.ok(existsSync(join(dir, 'cli', `${k}.csv`)), k);
  await assert.rejects(profileCommand(['--no-heap']), /at least one capture/);
});
