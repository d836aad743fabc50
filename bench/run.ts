/**
 * `npm run bench`: throughput of the data path on the merged Requet sessions, flow-table
 * costs, state per flow, and peak memory on a capture larger than 1 GB.
 * Figures are best-of-N on a shared machine; ratios within one run are what to compare.
 * Flags: --quick (skip the 1 GB run), --big-gb N (size of the large capture, default 1.1).
 */
import { closeSync, openSync, readSync, statSync, unlinkSync, writeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readCaptureSync } from '../src/capture/reader';
import { extractTable } from '../src/pipeline/extract';
import { FlowTable } from '../src/flows/flowTable';
import { Packet } from '../src/decode/packet';
import { Pipeline } from '../src/pipeline/pipeline';
import { normalizeConfig } from '../src/config/config';
import { listFeatures } from '../src/features';
import { requetMerged } from './requetMerge';
import { bestOf, fmt, printTable, runBench } from './util';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const bigGb = Number(args[args.indexOf('--big-gb') + 1]) || 1.1;

/** Walks the pcap records with nothing else: the ceiling for any reader. */
function bareLoop(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  let carry = 0, records = 0, first = true;
  for (;;) {
    const n = readSync(fd, buf, carry, buf.length - carry, null);
    const end = carry + n;
    let o = first ? 24 : 0;
    first = false;
    while (o + 16 <= end) {
      const cap = buf.readUInt32LE(o + 8);
      if (o + 16 + cap > end) break;
      o += 16 + cap;
      records++;
    }
    buf.copy(buf, 0, o, end);
    carry = end - o;
    if (n === 0) break;
  }
  closeSync(fd);
  return records;
}

function serviceConfig(collect: string[], bins: number[]) {
  return normalizeConfig({ Bins: bins, Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: collect }] });
}

async function throughput(path: string, records: number) {
  const rows: Record<string, string | number>[] = [];
  const bare = await bestOf(5, () => bareLoop(path));
  rows.push({ stage: 'bare record walk', ms: fmt(bare, 1), 'M packets/s': fmt(records / bare / 1e3), 'vs bare': '1.00' });
  const reader = await bestOf(5, () => readCaptureSync(path, () => {}));
  rows.push({ stage: 'reader (readCaptureSync)', ms: fmt(reader, 1), 'M packets/s': fmt(records / reader / 1e3), 'vs bare': fmt(bare / reader) });
  const pcapParser = await bestOf(2, () => new Promise<void>((resolve, reject) => {
    const parser = require('pcap-parser').parse(path);
    parser.on('packet', () => {});
    parser.on('end', resolve);
    parser.on('error', reject);
  }));
  rows.push({ stage: 'pcap-parser (npm)', ms: fmt(pcapParser, 1), 'M packets/s': fmt(records / pcapParser / 1e3), 'vs bare': fmt(bare / pcapParser) });
  const cases: [string, string[], number[]][] = [
    ['extract PacketCounters, bins [10]', ['PacketCounters'], [10]],
    ['extract PacketCounters+PacketTimes, bins [10]', ['PacketCounters', 'PacketTimes'], [10]],
  ];
  const names = listFeatures().map((d) => d.featureName);
  if (names.includes('VideoSegments') && names.includes('TCPCounters')) cases.push(['extract full video config (all), bins [2,10,60]', ['all'], [2, 10, 60]]);
  for (const [label, collect, bins] of cases) {
    const config = serviceConfig(collect, bins);
    const t = await bestOf(5, () => extractTable({ captures: path, config }));
    rows.push({ stage: label, ms: fmt(t, 1), 'M packets/s': fmt(records / t / 1e3), 'vs bare': fmt(bare / t) });
  }
  printTable(`Throughput on the merged Requet sessions (${records} packets, one core)`, rows);
}

/** Insert and update cost of the flow table alone, for `n` synthetic IPv4 flows. */
function flowTableRun(n: number): { insertNs: number; updateNs: number; bytes: number } {
  const buf = new Uint8Array(n * 8);
  for (let i = 0; i < n; i++) {
    buf[i * 8] = 10; buf[i * 8 + 1] = (i >> 16) & 0xff; buf[i * 8 + 2] = (i >> 8) & 0xff; buf[i * 8 + 3] = i & 0xff;
    buf[i * 8 + 4] = 93; buf[i * 8 + 5] = 184; buf[i * 8 + 6] = 216; buf[i * 8 + 7] = (i * 7) & 0xff;
  }
  // Updates visit the flows in a shuffled order, as interleaved traffic would.
  const order = new Int32Array(n).map((_, i) => i);
  let seed = 42;
  for (let i = n - 1; i > 0; i--) { seed = (seed * 16807) % 2147483647; const j = seed % (i + 1); const t = order[i]; order[i] = order[j]; order[j] = t; }
  const p = new Packet();
  p.buf = buf; p.ipVersion = 4; p.protocol = 6; p.l4 = 0;
  const updates = Math.max(3_000_000, n);
  let insertNs = Infinity, updateNs = Infinity, bytes = 0;
  for (let run = 0; run < 3; run++) {
    const t = new FlowTable(1 << 12);
    let t0 = performance.now();
    for (let i = 0; i < n; i++) { p.srcAddr = i * 8; p.dstAddr = i * 8 + 4; p.srcPort = 1024 + (i % 50000); p.dstPort = 443; t.lookup(p); }
    insertNs = Math.min(insertNs, ((performance.now() - t0) * 1e6) / n);
    t0 = performance.now();
    for (let u = 0; u < updates; u++) {
      const i = order[u % n];
      p.srcAddr = i * 8; p.dstAddr = i * 8 + 4; p.srcPort = 1024 + (i % 50000); p.dstPort = 443; t.lookup(p);
    }
    updateNs = Math.min(updateNs, ((performance.now() - t0) * 1e6) / updates);
    bytes = t.stateBytes() / t.size;
  }
  return { insertNs, updateNs, bytes };
}

function flowTableCosts() {
  const rows: Record<string, string | number>[] = [];
  for (const n of [10_000, 1_000_000]) {
    const r = flowTableRun(n);
    rows.push({
      flows: n, 'insert ns': fmt(r.insertNs, 0), 'update ns': fmt(r.updateNs, 0), 'new flows/s (M)': fmt(1e9 / r.insertNs / 1e6),
      'bytes/flow (capacity)': fmt(r.bytes, 0),
    });
  }
  printTable('Flow table alone (targets: insert 300 ns, update 50 ns, 2 M new flows/s; paper Go ~6,000/~200 ns; original built here 4-6 us/1.1-1.4 us)', rows);
}

function statePerFlow(path: string) {
  const rows: Record<string, string | number>[] = [];
  for (const collect of [['PacketCounters'], ['PacketCounters', 'PacketTimes'], ['all']]) {
    let config;
    try { config = serviceConfig(collect, [10]); } catch { continue; }
    const p = new Pipeline({ config, sink: { row() {} } });
    let peak = 0, peakFlows = 0, peakDetail: Record<string, number> = {};
    readCaptureSync(path, (b) => {
      p.processBatch(b);
      const s = p.stateBytes();
      const total = Object.values(s).reduce((a, v) => a + v, 0);
      if (total > peak) { peak = total; peakFlows = p.activeUnits; peakDetail = s; }
    });
    p.finish();
    rows.push({
      classes: collect.join('+'), 'peak state bytes': peak, 'flows then': peakFlows,
      'bytes per flow (capacity)': fmt(peak / Math.max(1, peakFlows), 0),
      detail: Object.entries(peakDetail).map(([k, v]) => `${k} ${v}`).join(', '),
    });
  }
  printTable('State per flow (typed arrays sized by capacity; peak over the run)', rows);
}

/** Per-class cost of addPacket on the merge (the profiler's calibrated blocks), and the ratio to PacketCounters. */
async function perClass(path: string) {
  const { profileTables } = require('../src/profile') as typeof import('../src/profile');
  const t = await profileTables({
    captures: path, config: serviceConfig(['all'], [2, 10, 60]), bins: [2, 10, 60], heap: false,
    classes: ['PacketCounters', 'PacketTimes', 'TCPCounters', 'LatencyCounters', 'VideoSegments', 'SessionCounters'],
    representations: ['network', 'transport', 'application', 'all'],
  });
  const base = t.summary.rows.find((r) => r.feature_class === 'PacketCounters');
  const b = base ? Number(base.ns_per_packet_mean) : NaN;
  printTable('Per class on the merge, bins [2,10,60] (ns per packet, all three bin sizes; profiler blocks)', t.summary.rows.map((r) => ({
    class: r.feature_class, layer: r.layer, 'ns/pkt mean': fmt(Number(r.ns_per_packet_mean), 1), 'ns/pkt median': fmt(Number(r.ns_per_packet_median), 1),
    'vs PacketCounters (mean)': fmt(Number(r.ns_per_packet_mean) / b), 'state median B': Math.round(Number(r.state_bytes_median)),
  })));
  console.log(`timing overhead subtracted: ${t.notes.overhead_ns.toFixed(1)} ns/call`);
}

async function bigCapture(path: string) {
  const src = readFileSync(path);
  const target = bigGb * 1024 ** 3;
  const big = join(tmpdir(), `refinery-big-${process.pid}.pcap`);
  const fd = openSync(big, 'w');
  writeSync(fd, src.subarray(0, 24));
  const body = Buffer.from(src.subarray(24));
  let written = 24, copies = 0;
  // Each copy is shifted by a day so capture time only moves forward across copies.
  while (written < target) {
    const shift = 86400 * (copies + 1);
    for (let o = 0; o + 16 <= body.length;) {
      const cap = body.readUInt32LE(o + 8);
      body.writeUInt32LE(src.readUInt32LE(24 + o) + (copies === 0 ? shift : 86400), o);
      o += 16 + cap;
    }
    writeSync(fd, body);
    written += body.length;
    copies++;
  }
  closeSync(fd);
  const size = statSync(big).size;
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore, peakHeap = 0;
  const t0 = performance.now();
  const r = await extractTable({
    captures: big, config: serviceConfig(['PacketCounters', 'PacketTimes'], [10]),
    sink: { row() {} },
    onBatch: () => {
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    },
  });
  const ms = performance.now() - t0;
  unlinkSync(big);
  printTable(`Streaming a ${(size / 1024 ** 3).toFixed(2)} GB capture (${copies} shifted copies of the merge)`, [{
    packets: r.stats.records, seconds: fmt(ms / 1000, 1), 'M packets/s': fmt(r.stats.records / ms / 1e3),
    'peak RSS MB': fmt(peakRss / 2 ** 20, 0), 'RSS before MB': fmt(rssBefore / 2 ** 20, 0), 'peak heap MB': fmt(peakHeap / 2 ** 20, 0),
  }]);
}

async function main() {
  const path = requetMerged();
  let records = 0;
  readCaptureSync(path, (b) => { records += b.count; });
  console.log(`# traffic-refinery benchmark  (node ${process.version}, ${new Date().toISOString()})`);
  console.log(`capture: ${path} (${(statSync(path).size / 2 ** 20).toFixed(1)} MB, ${records} records)`);
  await throughput(path, records);
  flowTableCosts();
  statePerFlow(path);
  await perClass(path);
  if (!quick) await bigCapture(path);
}

runBench(main);
