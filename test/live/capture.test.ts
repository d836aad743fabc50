import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { get } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketBatch } from '../../src/capture/batch';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { udp4Frame } from '../../src/datasets/packets';
import { openLive, LiveCaptureError, readCaptureNativeSync } from '../../src/capture/live';
import { readCaptureSync } from '../../src/capture/reader';
import { runLive, LiveRunOptions, LiveSummary } from '../../src/live/run';
import { extractTable } from '../../src/pipeline/extract';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import '../../src/features';
import { flowTotals, hasTool, liveSkipReason, readJsonlBins, sendUdp, sleep, startTcpdump, tmp, udpServer } from './util';

const skip = liveSkipReason();

/** runLive on lo until `traffic` is done, then a graceful stop; returns the summary and every row written. */
async function live(opts: Partial<LiveRunOptions>, traffic: () => Promise<void>): Promise<{ summary: LiveSummary; rows: Record<string, unknown>[]; out: string }> {
  const out = tmp('live');
  const ac = new AbortController();
  let started!: () => void;
  const ready = new Promise<void>((r) => { started = r; });
  const run = runLive({ iface: 'lo', out, bins: [1], rotateSeconds: 0, handleSignals: false, signal: ac.signal, onStart: () => started(), ...opts });
  await ready;
  try {
    await traffic();
  } finally {
    ac.abort();
  }
  const summary = await run;
  return { summary, rows: readJsonlBins(out), out };
}

test('UDP bursts of known sizes: packets and IP bytes per flow are exact, nothing dropped', { skip: skip ?? false, timeout: 60000 }, async () => {
  const server = await udpServer();
  const sizes = Array.from({ length: 3000 }, (_, i) => 20 + ((i * 37) % 1400));
  try {
    const { summary, rows } = await live({ filter: `udp port ${server.port}` }, async () => {
      await sendUdp(sizes.slice(0, 1000), server.port);
      await sleep(1200); // a pause: bins must close on the timer
      await sendUdp(sizes.slice(1000), server.port);
    });
    const flows = flowTotals(rows);
    assert.equal(flows.size, 2, `two client sockets -> two flows, got ${[...flows.keys()]}`);
    const all = [...flows.values()];
    const packets = all.reduce((n, f) => n + f.out + f.in, 0);
    const bytes = all.reduce((n, f) => n + f.outBytes + f.inBytes, 0);
    assert.equal(packets, sizes.length);
    assert.equal(bytes, sizes.reduce((n, s) => n + s + 28, 0), 'IP length = payload + 8 (UDP) + 20 (IPv4)');
    assert.equal(summary.capture.dropped, 0);
    assert.equal(summary.records, sizes.length);
    assert.equal(summary.capture.delivered, sizes.length);
    assert.ok(summary.capture.batches >= 2);
  } finally {
    await server.close();
  }
});

test('a BPF filter applies: "udp port X" sees only that flow', { skip: skip ?? false, timeout: 30000 }, async () => {
  const a = await udpServer(), b = await udpServer();
  try {
    const { rows, summary } = await live({ filter: `udp port ${a.port}` }, async () => {
      await Promise.all([sendUdp(new Array(200).fill(100), a.port), sendUdp(new Array(300).fill(100), b.port)]);
    });
    const flows = flowTotals(rows);
    assert.equal(flows.size, 1);
    const [key, t] = [...flows.entries()][0];
    assert.ok(key.includes(String(a.port)), key);
    assert.equal(t.out + t.in, 200);
    assert.equal(summary.records, 200);
  } finally {
    await a.close();
    await b.close();
  }
});

test('DNS answers from a local responder categorize later flows to the answered address', { skip: skip ?? false, timeout: 30000 }, async () => {
  // A responder on 127.53.0.1:53 answering every A query with 127.0.0.77.
  const answer = [127, 0, 0, 77];
  const responder = await udpServer('127.53.0.1', 53, (q) => dnsAnswer(q, answer));
  const target = await udpServer('127.0.0.77');
  const config = { Services: [{ Name: 'video', Filter: { DomainsString: ['video.test'] }, Collect: ['PacketCounters'] }] };
  try {
    const { rows, summary } = await live({ filter: `udp and (port 53 or port ${target.port})`, config }, async () => {
      const sizes = new Array(50).fill(0).map((_, i) => 200 + i);
      const { createSocket } = await import('node:dgram');
      const c = createSocket('udp4');
      await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()));
      const got = new Promise<void>((r) => c.once('message', () => r()));
      c.send(dnsQuery('cdn.video.test', 0x1234), 53, '127.53.0.1');
      await got;
      await sendUdp(sizes, target.port, '127.0.0.77', c);
      c.close();
    });
    const video = rows.filter((r) => r.service === 'video');
    assert.ok(video.length >= 1, `video rows: ${JSON.stringify(rows)}`);
    const flows = flowTotals(video);
    assert.equal(flows.size, 1);
    const t = [...flows.values()][0];
    assert.equal(t.categorizedBy, 'dns');
    assert.equal(t.out + t.in, 50);
    assert.equal(t.outBytes + t.inBytes, Array.from({ length: 50 }, (_, i) => 200 + i + 28).reduce((a, b) => a + b, 0));
    assert.ok(summary.stats.dnsLearned >= 1);
  } finally {
    await responder.close();
    await target.close();
  }
});

test('HTTP download over TCP: live per-flow counts equal a parallel tcpdump capture replayed through extract', { skip: skip ?? (hasTool('tcpdump') ? false : 'tcpdump not installed'), timeout: 60000 }, async () => {
  const body = Buffer.alloc(6 << 20, 0x42);
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-length': body.length, connection: 'close' }); res.end(body); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const filter = `tcp port ${port}`;
  const pcap = join(tmp('tcpdump'), 'ref.pcap');
  let tcpdumpLog = '';
  try {
    const { rows, summary } = await live({ filter, capture: { snaplen: 262144 } }, async () => {
      const td = await startTcpdump('lo', filter, pcap);
      try {
        for (let i = 0; i < 2; i++) {
          await new Promise<void>((resolve, reject) => {
            get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
              let n = 0;
              res.on('data', (d: Buffer) => { n += d.length; });
              res.on('end', () => (n === body.length ? resolve() : reject(new Error(`got ${n} bytes`))));
            }).on('error', reject);
          });
        }
        await sleep(300); // FIN/ACK teardown
      } finally {
        tcpdumpLog = await td.stop();
      }
    });
    assert.equal(summary.capture.dropped, 0);
    const ref = await extractTable({ captures: pcap, bins: [1] });
    const refFlows = flowTotals(ref.table.toRows() as Record<string, unknown>[]);
    const liveFlows = flowTotals(rows);
    assert.equal(liveFlows.size, 2, 'two downloads, two connections');
    assert.deepEqual([...liveFlows.keys()].sort(), [...refFlows.keys()].sort());
    const dropsInTcpdump = /([1-9]\d*) packets? dropped by kernel/.test(tcpdumpLog);
    for (const [k, t] of liveFlows) {
      const r = refFlows.get(k)!;
      assert.ok(t.inBytes + t.outBytes > body.length, 'the body went through');
      if (!dropsInTcpdump) assert.deepEqual({ ...t, rows: 0 }, { ...r, rows: 0 }, `flow ${k}: live vs tcpdump`);
    }
  } finally {
    server.close();
  }
});

test('openLive: batches are PacketBatch-shaped; stats count what was captured; invalid filters and interfaces are clear errors', { skip: skip ?? false, timeout: 30000 }, async () => {
  const server = await udpServer();
  const cap = openLive({ iface: 'lo', filter: `udp port ${server.port}`, batchSize: 64 });
  assert.equal(cap.linkType, 1);
  const table = new FeatureTable('flow');
  const pipeline = new Pipeline({ bins: [10], sink: table });
  const sending = sendUdp(new Array(500).fill(64), server.port).then(() => cap.stop());
  let max = 0, ok = true;
  for await (const b of cap) {
    max = Math.max(max, b.count);
    for (let i = 0; i < b.count; i++) if (b.caplen[i] !== 14 + 20 + 8 + 64 || b.wirelen[i] !== b.caplen[i] || b.offset[i] + b.caplen[i] > b.buf.length) ok = false;
    pipeline.processBatch(b);
  }
  await sending;
  pipeline.finish();
  assert.ok(ok, 'caplen/wirelen/offset consistent');
  assert.ok(max <= 64, 'batchSize bounds a batch');
  const s = cap.stats();
  assert.equal(s.captured, 500);
  assert.equal(s.delivered, 500);
  assert.equal(s.dropped, 0);
  assert.ok(s.received >= 500, 'libpcap received (lo counts each packet twice)');
  assert.equal(pipeline.stats.packets, 500);
  await server.close();

  assert.throws(() => openLive({ iface: 'lo', filter: 'udp port' }), (e: unknown) => e instanceof LiveCaptureError && e.code === 'EFILTER' && /invalid BPF filter "udp port": .*syntax error/.test(e.message));
  assert.throws(() => openLive({ iface: 'nosuchif0' }), (e: unknown) => e instanceof LiveCaptureError && e.code === 'ENODEV' && /nosuchif0/.test(e.message));
});

test('a consumer slower than the link: the kernel drops, pcap_stats says so, the capture still ends cleanly', { skip: skip ?? false, timeout: 30000 }, async () => {
  const server = await udpServer();
  const cap = openLive({ iface: 'lo', filter: `udp port ${server.port}`, bufferSize: 256 << 10, batchSize: 128, slots: 2 });
  const sent = 20000;
  const sending = sendUdp(new Array(sent).fill(1000), server.port).then(() => sleep(300)).then(() => cap.stop());
  let batches = 0;
  for await (const b of cap) {
    assert.ok(b.count <= 128);
    batches++;
    await sleep(10); // slow, but leaves the event loop to the sender
  }
  await sending;
  const s = cap.stats();
  await server.close();
  assert.ok(s.dropped > 0, `kernel drops expected: ${JSON.stringify(s)}`);
  assert.ok(s.delivered < sent);
  assert.equal(s.delivered, s.captured, 'a graceful stop hands over everything the thread copied');
  assert.equal(s.discarded, 0);
  assert.ok(batches > 10);
});

test('breaking out of the loop closes the capture at once; the interface can be opened again', { skip: skip ?? false, timeout: 20000 }, async () => {
  const server = await udpServer();
  for (let round = 0; round < 2; round++) {
    const cap = openLive({ iface: 'lo', filter: `udp port ${server.port}`, batchSize: 16 });
    const sending = sendUdp(new Array(200).fill(10), server.port);
    const t0 = Date.now();
    let got = 0;
    for await (const b of cap) { got += b.count; break; }
    assert.ok(got > 0 && got <= 16);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(cap.stats().delivered, got);
    await cap.close(); // idempotent
    await sending;
  }
  await server.close();
});

test('native file reader: same records as readCaptureSync (nanosecond pcap, truncated records, batch boundaries)', { skip: skip ?? false }, () => {
  const w = new PcapWriter(null, 1, 200, true);
  for (let i = 0; i < 1000; i++) {
    const frame = udp4Frame('10.0.0.1', '10.0.0.2', 1000 + (i % 7), 53, new Uint8Array((i * 53) % 400).fill(i & 255));
    w.write(1_700_000_000 + i * 0.001234567, frame);
  }
  const file = join(tmp('native-file'), 'f.pcap');
  writeFileSync(file, w.toBuffer());
  const a: string[] = [], b: string[] = [];
  const sig = (x: string[]) => (bt: PacketBatch) => {
    for (let i = 0; i < bt.count; i++) {
      let h = 0;
      for (let j = bt.offset[i]; j < bt.offset[i] + bt.caplen[i]; j++) h = (h * 31 + bt.buf[j]) | 0;
      x.push(`${bt.tsSec[i]}.${bt.tsNsec[i]}/${bt.caplen[i]}/${bt.wirelen[i]}/${bt.linkType[i]}/${h}`);
    }
  };
  const r = readCaptureNativeSync(file, sig(a), { batchSize: 7, batchBytes: 1000 });
  readCaptureSync(file, sig(b));
  assert.equal(r.records, 1000);
  assert.equal(r.error, undefined);
  assert.deepEqual(a, b);
  assert.throws(() => readCaptureNativeSync(join(tmp('native-file'), 'missing.pcap'), () => {}), /No such file/);
});

/** A DNS query for `name` (type A). */
function dnsQuery(name: string, id: number): Buffer {
  return Buffer.concat([Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), encodeName(name), Buffer.from([0, 1, 0, 1])]);
}

/** An answer to query `q` with one A record. */
function dnsAnswer(q: Buffer, addr: number[]): Buffer {
  const question = q.subarray(12);
  const header = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, ...addr]);
  return Buffer.concat([header, question, rr]);
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}
