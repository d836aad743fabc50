import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PcapngBuilder } from './pcapngBuilder';
import { assertCaptureError, piecewise, readAll, readAllSync, Rec, tempFile } from './helpers';
import { udp4Frame, tcp4Frame } from '../../src/datasets/packets';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const frame = (i: number, size = 60 + i * 13) => udp4Frame('192.0.2.1', '198.51.100.7', 1000 + i, 443, new Uint8Array(size).fill(i));

/** Expected timestamp of `ts` units at `unitsPerSecond`, plus an offset in seconds (BigInt, exact). */
function ts(units: bigint, unitsPerSecond: bigint, offset = 0n): [number, number] {
  return [Number(units / unitsPerSecond + offset), Number(((units % unitsPerSecond) * 1000000000n) / unitsPerSecond)];
}

interface Expect { ts: [number, number]; data: Uint8Array; wire: number; linkType: number; offset: number }

/**
 * Three sections: little-endian (three interfaces: Ethernet µs, raw IP ns with if_tsoffset, SLL at
 * 2^-20 s with a snaplen), big-endian (IPv4 at ms with a negative offset, then Ethernet at 2^-10 s;
 * obsolete PB), little-endian again (picosecond units). Unknown, custom, NRB and ISB blocks between.
 */
function mixed(): { bytes: Uint8Array; want: Expect[] } {
  const b = new PcapngBuilder();
  const want: Expect[] = [];
  b.section(true)
    .interface(1)
    .interface(101, { tsresol: 9, tsoffset: 100n })
    .interface(113, { tsresol: 0x80 | 20, snaplen: 128 });
  const t0 = 1521746167875943n;
  want.push({ ts: ts(t0, 1000000n), data: frame(0), wire: frame(0).length, linkType: 1, offset: b.size });
  b.epb(0, t0, frame(0));
  b.block(4, new Uint8Array(20)); // NRB
  const tNs = 1700000000123456789n; // beyond 2^53
  const raw = frame(1).subarray(14);
  want.push({ ts: ts(tNs, 1000000000n, 100n), data: raw, wire: raw.length, linkType: 101, offset: b.size });
  b.epb(1, tNs, raw);
  b.block(0x12345678, new Uint8Array(10).fill(0xee)); // unknown
  const t2 = (1521746167n << 20n) + 777777n;
  want.push({ ts: ts(t2, 1n << 20n), data: frame(2).subarray(0, 70), wire: 300, linkType: 113, offset: b.size });
  b.epb(2, t2, frame(2).subarray(0, 70), 300);
  // SPBs: no timestamp (the previous record's); caplen = min(original length, bytes in the block).
  const spb = frame(3, 18); // 60 bytes
  want.push({ ts: want[want.length - 1].ts, data: spb, wire: spb.length, linkType: 1, offset: b.size });
  b.spb(spb);
  b.block(5, new Uint8Array(24)); // ISB
  b.block(0x00000bad, new Uint8Array(9).fill(1)); // custom block
  const t3 = t0 + 5000000n;
  const tcp = tcp4Frame('10.1.1.1', '10.2.2.2', { srcPort: 5555, dstPort: 80 });
  want.push({ ts: ts(t3, 1000000n), data: tcp.subarray(0, 40), wire: 1514, linkType: 1, offset: b.size });
  b.epb(0, t3, tcp.subarray(0, 40), 1514);

  b.section(false).interface(228, { tsresol: 3, tsoffset: -5n, snaplen: 96 });
  const spb3 = frame(5, 50).subarray(14, 94);
  want.push({ ts: want[want.length - 1].ts, data: spb3, wire: spb3.length, linkType: 228, offset: b.size });
  b.spb(spb3);
  // The interface's snaplen (96) cuts a 1500-byte packet; an SPB has no captured length of its own.
  const spb2 = frame(4, 200).subarray(14, 110);
  want.push({ ts: want[want.length - 1].ts, data: spb2, wire: 1500, linkType: 228, offset: b.size });
  b.spb(spb2, 1500);
  const tMs = 1521746167123n;
  const ip = frame(6).subarray(14);
  want.push({ ts: ts(tMs, 1000n, -5n), data: ip, wire: ip.length, linkType: 228, offset: b.size });
  b.epb(0, tMs, ip);
  const ip2 = frame(7).subarray(14);
  want.push({ ts: ts(tMs + 877n, 1000n, -5n), data: ip2, wire: ip2.length, linkType: 228, offset: b.size });
  b.pb(0, tMs + 877n, ip2);
  b.interface(1, { tsresol: 0x80 | 10 });
  const t4 = (1521746168n << 10n) + 1023n;
  want.push({ ts: ts(t4, 1024n), data: frame(8), wire: frame(8).length, linkType: 1, offset: b.size });
  b.epb(1, t4, frame(8));

  b.section(true).interface(1, { tsresol: 12 });
  const tPs = 12345678901234567890n; // 64 bits of picoseconds reach only 213 days
  want.push({ ts: ts(tPs, 1000000000000n), data: frame(9), wire: frame(9).length, linkType: 1, offset: b.size });
  b.epb(0, tPs, frame(9));
  return { bytes: b.bytes(), want };
}

const asRecs = (w: Expect[]): Rec[] => w.map((e) => ({ tsSec: e.ts[0], tsNsec: e.ts[1], caplen: e.data.length, wirelen: e.wire, linkType: e.linkType, fileOffset: e.offset, data: hex(e.data) }));

test('pcapng: sections of both byte orders, interfaces of several link types and resolutions, SPB, PB, skipped blocks', async () => {
  const { bytes, want } = mixed();
  const path = tempFile('mixed.pcapng', bytes);
  const r = await readAll(path);
  assert.equal(r.error, null);
  assert.deepEqual(r.recs, asRecs(want));
  assert.equal(r.reader.format, 'pcapng');
  const st = r.reader.stats;
  assert.equal(st.records, want.length);
  assert.deepEqual(st.linkTypes, { 1: 5, 101: 1, 113: 1, 228: 4 });
  assert.equal(st.noTimestamp, 3);
  assert.equal(st.skippedBlocks, 4);
  assert.equal(st.truncated, 3);
  assert.equal(st.issues['no-timestamp'], 3);
  assert.equal(st.issues['skipped-unknown-block'], 1);
  assert.deepEqual(r.reader.issues.map((i) => i.reason).sort(), ['no-timestamp', 'skipped-unknown-block']);
  assert.ok(r.reader.issues.every((i) => !i.fatal && i.file === path));

  assert.deepEqual(readAllSync(path).recs, r.recs);
  const gz = await readAll(tempFile('mixed.pcapng.gz', gzipSync(bytes)));
  assert.deepEqual(gz.recs, r.recs);
  assert.equal(gz.reader.stats.compressed, true);
  for (const chunkSize of [1, 3, 8, 12, 13, 64, 100]) {
    assert.deepEqual((await readAll(path, { chunkSize, batchSize: 2 })).recs, r.recs, `chunkSize ${chunkSize}`);
  }
  for (const maxPiece of [1, 5, 40, 200, 5000]) {
    assert.deepEqual((await readAll(piecewise(bytes, maxPiece), { chunkSize: 32, batchSize: 3 })).recs, r.recs, `pieces ${maxPiece}`);
  }
});

test('pcapng: cut mid-block keeps the complete records and reports the cut with its offset', async () => {
  const { bytes, want } = mixed();
  const last = want[want.length - 1].offset;
  for (const cut of [last + 4, last + 11, last + 20, last + 40, bytes.length - 1]) {
    const r = await readAll(tempFile('cut.pcapng', bytes.subarray(0, cut)), { chunkSize: 50 });
    assert.equal(r.error, null);
    assert.deepEqual(r.recs, asRecs(want.slice(0, -1)));
    const issue = r.reader.issues.find((i) => i.reason === 'cut-record');
    assert.ok(issue);
    assert.equal(issue.offset, last);
    assert.equal(r.reader.stats.cut, 1);
  }
});

test('pcapng: absurd lengths are fatal at the block offset; earlier records delivered', async () => {
  const b = new PcapngBuilder().section(true).interface(1);
  b.epb(0, 1n, frame(1)).epb(0, 2n, frame(2));
  const at = b.size;
  // A block claiming 2 GB.
  const huge = new Uint8Array(16);
  const v = new DataView(huge.buffer);
  v.setUint32(0, 6, true);
  v.setUint32(4, 0x7ffffff0, true);
  const r = await readAll(tempFile('huge.pcapng', new Uint8Array([...b.bytes(), ...huge])), { batchSize: 1 });
  assertCaptureError(r.error);
  assert.equal(r.error.reason, 'record-too-large');
  assert.equal(r.error.offset, at);
  assert.equal(r.recs.length, 2);
  assert.equal(r.batches, 2);

  // An EPB whose captured length exceeds maxRecordBytes.
  const b2 = new PcapngBuilder().section(true).interface(1).epb(0, 1n, frame(1));
  const at2 = b2.size;
  b2.epb(0, 2n, new Uint8Array(5000));
  const r2 = await readAll(tempFile('big-epb.pcapng', b2.bytes()), { maxRecordBytes: 4096 });
  assertCaptureError(r2.error);
  assert.equal(r2.error.offset, at2);
  assert.equal(r2.recs.length, 1);

  // Trailing length different from the leading one.
  const b3 = new PcapngBuilder().section(true).interface(1).epb(0, 1n, frame(1));
  const at3 = b3.size;
  b3.block(6, new Uint8Array(40), 4);
  const r3 = await readAll(tempFile('mismatch.pcapng', b3.bytes()));
  assertCaptureError(r3.error);
  assert.equal(r3.error.reason, 'block-length-mismatch');
  assert.equal(r3.error.offset, at3);
  assert.equal(r3.recs.length, 1);

  // Byte-order magic missing, unsupported version.
  const bad = new PcapngBuilder().section(true).bytes();
  bad[8] = 0x99;
  const r4 = await readAll(tempFile('bom.pcapng', bad));
  assertCaptureError(r4.error);
  assert.equal(r4.error.reason, 'bad-byte-order-magic');
  const r5 = await readAll(tempFile('v2.pcapng', new PcapngBuilder().section(true, 2).bytes()));
  assertCaptureError(r5.error);
  assert.equal(r5.error.reason, 'unsupported-version');
});

test('pcapng: packets of an undeclared interface are skipped and counted; empty section is fine', async () => {
  const b = new PcapngBuilder().section(true).interface(1);
  b.epb(0, 1000000n, frame(1)).epb(3, 2000000n, frame(2)).epb(0, 3000000n, frame(3));
  const r = await readAll(tempFile('ifid.pcapng', b.bytes()));
  assert.equal(r.error, null);
  assert.deepEqual(r.recs.map((x) => x.tsSec), [1, 3]);
  assert.equal(r.reader.stats.cut, 1);
  assert.equal(r.reader.stats.issues['unknown-interface'], 1);
  const empty = await readAll(tempFile('empty.pcapng', new PcapngBuilder().section(false).bytes()));
  assert.equal(empty.error, null);
  assert.equal(empty.recs.length, 0);
  assert.equal(empty.reader.format, 'pcapng');
});

test('pcapng: a non-packet block larger than the limit is skipped without being buffered', async () => {
  const b = new PcapngBuilder().section(true).interface(1).epb(0, 1n, frame(1));
  b.block(0x40000001, new Uint8Array(200000).fill(3));
  b.epb(0, 2n, frame(2));
  const bytes = b.bytes();
  for (const opts of [{ maxRecordBytes: 1024, chunkSize: 4096 }, { maxRecordBytes: 1024 }]) {
    const r = await readAll(tempFile('skip.pcapng', bytes), opts);
    assert.equal(r.error, null);
    assert.equal(r.recs.length, 2);
    assert.equal(r.reader.stats.issues['large-block-skipped'], 1);
  }
  const s = await readAll(piecewise(bytes, 3000), { maxRecordBytes: 1024, chunkSize: 512 });
  assert.equal(s.error, null);
  assert.equal(s.recs.length, 2);
  // Cut inside the skipped block: reported as a cut.
  const cut = await readAll(tempFile('skipcut.pcapng', bytes.subarray(0, 100000)), { maxRecordBytes: 1024 });
  assert.equal(cut.error, null);
  assert.equal(cut.recs.length, 1);
  assert.equal(cut.reader.stats.issues['cut-record'], 1);
});
