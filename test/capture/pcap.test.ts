import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { CaptureError } from '../../src/capture/errors';
import { openCapture, readCaptureSync } from '../../src/capture/reader';
import { udp4Frame, tcp4Frame } from '../../src/datasets/packets';
import { assertCaptureError, piecewise, readAll, readAllSync, Rec, tempFile } from './helpers';

interface Spec { sec: number; frac: number; data: Uint8Array; wire: number }

/** Records with known fields: timestamps exact in the chosen unit, sizes from 0 to 1500 bytes. */
function specs(n: number, nano: boolean, snaplen = 262144): Spec[] {
  const out: Spec[] = [];
  for (let i = 0; i < n; i++) {
    const size = (i * 97) % 1500;
    const frame = i % 3 === 0
      ? udp4Frame('10.0.0.1', '10.0.0.2', 1000 + i, 53, new Uint8Array(size).fill(i & 0xff))
      : tcp4Frame('10.0.0.2', '10.0.0.1', { srcPort: 443, dstPort: 2000 + i, seq: i }, new Uint8Array(size).fill(i & 0xff));
    const data = i === 7 ? new Uint8Array(0) : frame;
    // Small seconds keep nanoseconds exact through PcapWriter's float timestamp.
    const sec = nano ? 1000 + i : 1521746167 + i;
    const frac = nano ? (i * 123456789) % 1e9 : (i * 123457) % 1e6;
    out.push({ sec, frac, data: data.subarray(0, Math.min(data.length, snaplen)), wire: data.length });
  }
  return out;
}

function writePcap(s: Spec[], nano: boolean, linkType = 1, snaplen = 262144): Uint8Array {
  const w = new PcapWriter(null, linkType, snaplen, nano);
  for (const r of s) w.write(r.sec + r.frac / (nano ? 1e9 : 1e6), r.data, r.wire);
  return new Uint8Array(w.toBuffer());
}

function expected(s: Spec[], nano: boolean, linkType = 1): Omit<Rec, 'fileOffset'>[] {
  return s.map((r) => ({ tsSec: r.sec, tsNsec: nano ? r.frac : r.frac * 1000, caplen: r.data.length, wirelen: r.wire, linkType, data: Buffer.from(r.data).toString('hex') }));
}

const strip = (recs: Rec[]) => recs.map(({ fileOffset: _f, ...r }) => r);

/** Rewrites a little-endian pcap (from PcapWriter) in big-endian byte order. */
function toBigEndian(le: Uint8Array): Uint8Array {
  const out = new Uint8Array(le);
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  const swap32 = (o: number) => dst.setUint32(o, src.getUint32(o, true), false);
  const swap16 = (o: number) => dst.setUint16(o, src.getUint16(o, true), false);
  swap32(0); swap16(4); swap16(6); swap32(8); swap32(12); swap32(16); swap32(20);
  for (let p = 24; p < le.length;) {
    const incl = src.getUint32(p + 8, true);
    for (let k = 0; k < 16; k += 4) swap32(p + k);
    p += 16 + incl;
  }
  return out;
}

/** File offsets of each record header in a pcap. */
function recordOffsets(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 24; p + 16 <= bytes.length; p += 16 + v.getUint32(p + 8, true)) out.push(p);
  return out;
}

for (const nano of [false, true]) {
  for (const be of [false, true]) {
    test(`pcap ${nano ? 'ns' : 'µs'} ${be ? 'big' : 'little'}-endian: every record and field`, async () => {
      const s = specs(60, nano, 1000);
      const le = writePcap(s, nano, 1, 1000);
      const bytes = be ? toBigEndian(le) : le;
      const path = tempFile(`p-${nano}-${be}.pcap`, bytes);
      const r = await readAll(path);
      assert.equal(r.error, null);
      assert.deepEqual(strip(r.recs), expected(s, nano));
      assert.deepEqual(r.recs.map((x) => x.fileOffset), recordOffsets(le));
      assert.equal(r.reader.format, 'pcap');
      const st = r.reader.stats;
      assert.equal(st.records, 60);
      assert.equal(st.bytesRead, bytes.length);
      assert.deepEqual(st.linkTypes, { 1: 60 });
      assert.equal(st.truncated, s.filter((x) => x.data.length < x.wire).length);
      assert.ok(st.truncated > 0);
      assert.deepEqual(r.reader.issues, []);
      // The synchronous reader gives the same records.
      const sync = readAllSync(path);
      assert.equal(sync.error, null);
      assert.deepEqual(sync.recs, r.recs);
    });
  }
}

test('pcap link type: FCS flag and length bits are masked off', async () => {
  const s = specs(3, false);
  const path = tempFile('fcs.pcap', writePcap(s, false, 0x24000000 | 113));
  const r = await readAll(path);
  assert.equal(r.error, null);
  assert.deepEqual(strip(r.recs), expected(s, false, 113));
  assert.deepEqual(r.reader.stats.linkTypes, { 113: 3 });
});

test('pcap: gzip file, Readable stream, gzip stream, async generator and stdin give the same records', async () => {
  const s = specs(300, false);
  const bytes = writePcap(s, false);
  const want = expected(s, false);
  const gz = gzipSync(bytes);
  const plain = await readAll(tempFile('s.pcap', bytes));
  assert.deepEqual(strip(plain.recs), want);

  const gzFile = await readAll(tempFile('s.pcap.gz', gz));
  assert.equal(gzFile.error, null);
  assert.deepEqual(gzFile.recs, plain.recs);
  assert.equal(gzFile.reader.stats.compressed, true);
  assert.equal(gzFile.reader.stats.bytesRead, bytes.length);

  // Gzip is detected by magic, not by name.
  const gzNoExt = await readAll(tempFile('s-compressed.bin', gz));
  assert.deepEqual(gzNoExt.recs, plain.recs);

  const stream = await readAll(piecewise(bytes, 5000), { name: 'piecewise', chunkSize: 4096 });
  assert.equal(stream.error, null);
  assert.deepEqual(stream.recs, plain.recs);

  const gzStream = await readAll(piecewise(gz, 700), { name: 'gz-stream' });
  assert.equal(gzStream.error, null);
  assert.deepEqual(gzStream.recs, plain.recs);
  assert.equal(gzStream.reader.stats.compressed, true);

  async function* gen() { for (let o = 0; o < bytes.length; o += 1000) yield bytes.subarray(o, o + 1000); }
  const it = await readAll(gen());
  assert.deepEqual(it.recs, plain.recs);

  // '-' reads standard input.
  const mod = resolve(__dirname, '../../src/capture/reader.js');
  const script = `const { openCapture } = require(${JSON.stringify(mod)});
    (async () => { let n = 0, s = 0; const r = openCapture('-');
      for await (const b of r) { n += b.count; for (let i = 0; i < b.count; i++) s += b.tsNsec[i] % 1000003 + b.caplen[i]; }
      console.log(JSON.stringify({ n, s, name: r.name, format: r.format })); })();`;
  const child = spawnSync(process.execPath, ['-e', script], { input: gz, encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout);
  assert.deepEqual(out, { n: 300, s: want.reduce((a, r) => a + (r.tsNsec % 1000003) + r.caplen, 0), name: 'stdin', format: 'pcap' });
});

test('pcap: records straddling chunk boundaries, any chunk and batch size', async () => {
  // Small records (0..290 bytes) keep the byte-at-a-time reads short.
  const s = specs(40, true).map((r, i) => ({ ...r, data: r.data.subarray(0, (i * 37) % 300) }));
  const bytes = writePcap(s, true);
  const want = strip((await readAll(tempFile('straddle.pcap', bytes))).recs);
  assert.deepEqual(want, expected(s, true));
  const path = tempFile('straddle2.pcap', bytes);
  for (const chunkSize of [1, 2, 3, 5, 16, 17, 100, 299, 4096]) {
    for (const batchSize of chunkSize < 16 ? [3] : [1, 3, 4096]) {
      const r = await readAll(path, { chunkSize, batchSize });
      assert.equal(r.error, null);
      assert.deepEqual(strip(r.recs), want, `file chunkSize ${chunkSize} batchSize ${batchSize}`);
      assert.ok(r.batches >= Math.ceil(40 / batchSize));
      const sync = readAllSync(path, { chunkSize, batchSize });
      assert.deepEqual(strip(sync.recs), want, `sync chunkSize ${chunkSize}`);
    }
  }
  // Streams: pieces of random sizes, parsed in place when large, carried when small or straddling.
  for (const [maxPiece, chunkSize] of [[1, 64], [7, 64], [300, 64], [3000, 64], [3000, 1 << 20], [70000, 1 << 20]]) {
    for (const batchSize of [2, 4096]) {
      const r = await readAll(piecewise(bytes, maxPiece, maxPiece + chunkSize), { chunkSize, batchSize });
      assert.equal(r.error, null);
      assert.deepEqual(strip(r.recs), want, `stream pieces ${maxPiece} chunkSize ${chunkSize}`);
    }
  }
});

test('pcap cut mid-record: complete records kept, the cut reported with its offset', async () => {
  const s = specs(5, false);
  const bytes = writePcap(s, false);
  const offs = recordOffsets(bytes);
  const last = offs[4];
  for (const cut of [last + 1, last + 8, last + 15, last + 16, last + 17, bytes.length - 1]) {
    const part = bytes.subarray(0, cut);
    for (const source of ['file', 'stream'] as const) {
      const r = await readAll(source === 'file' ? tempFile('cut.pcap', part) : piecewise(part, 50), { chunkSize: 64 });
      assert.equal(r.error, null, `cut at ${cut}`);
      assert.deepEqual(strip(r.recs), expected(s.slice(0, 4), false));
      const issue = r.reader.issues.find((i) => i.reason === 'cut-record');
      assert.ok(issue, `cut at ${cut}: issue reported`);
      assert.equal(issue.offset, last);
      assert.equal(issue.fatal, false);
      assert.equal(r.reader.stats.cut, 1);
      assert.equal(r.reader.stats.issues['cut-record'], 1);
    }
  }
  // Cut exactly at a record boundary: nothing to report.
  const clean = await readAll(tempFile('cut-clean.pcap', bytes.subarray(0, last)));
  assert.equal(clean.recs.length, 4);
  assert.deepEqual(clean.reader.issues, []);
  // Cut inside the file header: fatal.
  const hdr = await readAll(tempFile('cut-header.pcap', bytes.subarray(0, 10)));
  assertCaptureError(hdr.error);
  assert.equal(hdr.error.reason, 'truncated-header');
});

test('pcap absurd record length: fatal CaptureError with its offset, earlier batches delivered', async () => {
  const s = specs(3, false);
  const good = writePcap(s, false);
  const bad = new Uint8Array(good.length + 16 + 10);
  bad.set(good);
  const v = new DataView(bad.buffer);
  v.setUint32(good.length + 8, 0x7ffffff0, true);
  v.setUint32(good.length + 12, 0x7ffffff0, true);
  const path = tempFile('absurd.pcap', bad);
  const before = process.memoryUsage().arrayBuffers;
  for (const opts of [{ batchSize: 2 }, { batchSize: 2, chunkSize: 5 }]) {
    const reader = openCapture(path, opts);
    const seen: number[] = [];
    await assert.rejects(async () => { for await (const b of reader) seen.push(b.count); }, (e: unknown) => {
      assert.ok(e instanceof CaptureError);
      assert.equal(e.file, path);
      assert.equal(e.offset, good.length);
      assert.equal(e.reason, 'record-too-large');
      assert.match(e.message, new RegExp(`absurd\\.pcap.*byte offset ${good.length}`));
      return true;
    });
    if (opts.chunkSize === undefined) assert.deepEqual(seen, [2, 1]);
    assert.equal(seen.reduce((a, b) => a + b, 0), 3);
    assert.equal(reader.stats.records, 3);
    assert.ok(reader.issues.some((i) => i.fatal && i.reason === 'record-too-large' && i.offset === good.length));
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 << 20, 'no giant allocation');
  // Synchronous reader: same error, the three records delivered first.
  let n = 0;
  assert.throws(() => readCaptureSync(path, (b) => { n += b.count; }), (e: unknown) => e instanceof CaptureError && e.offset === good.length);
  assert.equal(n, 3);
});

test('pcap maxRecordBytes: a 300 KB record is fatal by default and fine when allowed', async () => {
  const big = new Uint8Array(300000).fill(7);
  const w = new PcapWriter(null, 1, 1 << 20);
  w.write(1, new Uint8Array(60));
  w.write(2, big);
  const path = tempFile('big.pcap', new Uint8Array(w.toBuffer()));
  const dflt = await readAll(path);
  assertCaptureError(dflt.error);
  assert.equal(dflt.error.offset, 24 + 16 + 60);
  assert.equal(dflt.recs.length, 1);
  for (const chunkSize of [1 << 20, 4096]) {
    const ok = await readAll(path, { maxRecordBytes: 1 << 20, chunkSize });
    assert.equal(ok.error, null);
    assert.equal(ok.recs.length, 2);
    assert.equal(ok.recs[1].caplen, 300000);
    assert.equal(ok.recs[1].data, Buffer.from(big).toString('hex'));
  }
});

test('pcap timestamp fraction out of range: carried into the seconds, reported once', async () => {
  const w = new PcapWriter(null, 1, 65535, false);
  w.write(10, new Uint8Array(20));
  w.write(11, new Uint8Array(20));
  const b = new Uint8Array(w.toBuffer());
  const v = new DataView(b.buffer);
  v.setUint32(24 + 4, 2500000, true);
  v.setUint32(24 + 36 + 4, 1000000, true);
  const r = await readAll(tempFile('frac.pcap', b));
  assert.deepEqual(r.recs.map((x) => [x.tsSec, x.tsNsec]), [[12, 500000000], [12, 0]]);
  assert.equal(r.reader.stats.issues['timestamp-fraction-overflow'], 2);
  assert.equal(r.reader.issues.length, 1);
});

test('not a capture: unknown magic, empty file, missing file and gzip of garbage are CaptureErrors naming the file', async () => {
  const cases: [string, Uint8Array, string][] = [
    ['hello.pcap', new TextEncoder().encode('hello world, not a capture'), 'not a pcap or pcapng file'],
    ['empty.pcap', new Uint8Array(0), 'not a pcap or pcapng file'],
    ['three.pcap', Uint8Array.of(0xd4, 0xc3, 0xb2), 'not a pcap or pcapng file'],
    ['garbage.gz', gzipSync(new TextEncoder().encode('plain text, gzipped')), 'not a pcap or pcapng file'],
    ['corrupt.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff), 'gzip'],
  ];
  for (const [name, bytes, msg] of cases) {
    const path = tempFile(name, bytes);
    const r = await readAll(path);
    assertCaptureError(r.error);
    assert.ok(r.error.message.includes(path), r.error.message);
    assert.ok(r.error.message.includes(msg), r.error.message);
    assert.equal(r.error.file, path);
  }
  const missing = await readAll('/nonexistent/dir/x.pcap');
  assertCaptureError(missing.error);
  assert.equal(missing.error.reason, 'open-failed');
  assert.throws(() => readCaptureSync('/nonexistent/dir/x.pcap', () => {}), CaptureError);
  assert.throws(() => readCaptureSync(tempFile('hello2.pcap', new TextEncoder().encode('hello world')), () => {}), /not a pcap or pcapng file/);
  assert.throws(() => readCaptureSync(tempFile('s2.pcap.gz', gzipSync(writePcap(specs(2, false), false))), () => {}), /use openCapture/);
});

test('pcap gzip cut short: the records before the cut are kept and the cut reported', async () => {
  const s = specs(200, false);
  const gz = gzipSync(writePcap(s, false));
  const r = await readAll(tempFile('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6))));
  assert.equal(r.error, null);
  assert.ok(r.recs.length > 10 && r.recs.length < 200);
  assert.deepEqual(strip(r.recs), expected(s.slice(0, r.recs.length), false));
  assert.ok(r.reader.stats.issues['gzip-cut'] === 1);
});

test('pcap: leaving the loop early and close() release the source', async () => {
  const path = tempFile('early.pcap', writePcap(specs(100, false), false));
  const reader = openCapture(path, { batchSize: 10 });
  let n = 0;
  for await (const b of reader) { n += b.count; break; }
  assert.equal(n, 10);
  await reader.close();
  assert.throws(() => reader[Symbol.asyncIterator](), /only once/);
  const r2 = openCapture(path, { batchSize: 10 });
  const it = r2[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  await r2.close();
  assert.equal((await it.next()).done, true);
});

test('pcap: memory stays bounded on a long stream (64 MB streamed, never held)', async () => {
  // 88-byte records (72 captured) repeated; 65520-byte chunks cut records at every possible place.
  const rec = new Uint8Array(16 + 72);
  const v = new DataView(rec.buffer);
  v.setUint32(8, 72, true);
  v.setUint32(12, 1400, true);
  const header = writePcap([], false, 1, 72);
  const ring = new Uint8Array(rec.length * 746);
  for (let i = 0; i < 746; i++) ring.set(rec, i * rec.length);
  const chunks = 990;
  const size = 65520;
  let peak = 0;
  async function* gen() {
    yield header;
    for (let i = 0; i < chunks; i++) {
      if ((i & 63) === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      const start = (i * size) % rec.length;
      yield Buffer.from(ring.subarray(start, start + size));
    }
  }
  const base = process.memoryUsage().arrayBuffers;
  const reader = openCapture(gen(), { name: 'long' });
  let n = 0;
  let bytes = 0;
  for await (const b of reader) { n += b.count; for (let i = 0; i < b.count; i++) bytes += b.caplen[i]; }
  assert.equal(n, (chunks * size) / rec.length);
  assert.equal(bytes, n * 72);
  assert.deepEqual(reader.issues, []);
  assert.ok(peak - base < 48 << 20, `arrayBuffers grew by ${((peak - base) / 1048576).toFixed(1)} MiB`);
});
