import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowEncoder } from '../../src/output/rowEncoder';
import { ByteLines } from '../../src/output/byteLines';
import type { BinRow } from '../../src/pipeline/rows';

/** A flow row with awkward strings and every kind of number. */
function awkwardRow(): BinRow {
  return {
    level: 'flow', capture: 'a,b "c".pcap', service: 'vidéo', serviceIndex: 0, unit: 3, binSize: 10, binStart: 1521746167.888169,
    protocol: 'tcp', localIp: '10.0.0.1', localPort: 50000, remoteIp: '2001:db8::1', remotePort: 443, categorizedBy: 'line\nbreak', flows: 1,
    columns: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'],
    values: Float64Array.of(0, -0, -7, 2147483647, -2147483648, 4294967296123, 0.1 + 0.2, NaN),
    raw: null,
  };
}

const decode = (w: ByteLines) => new TextDecoder().decode(w.view().lines);

test('CSV lines: quoting, UTF-8, integers, doubles and NaN as JavaScript prints them (hand-written expectation)', () => {
  const enc = new RowEncoder({ format: 'csv', level: 'flow', raw: false }, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'Missing', 'I']);
  assert.equal(enc.header(), 'capture,service,protocol,local_ip,local_port,remote_ip,remote_port,categorized_by,bin_size,bin_start,A,B,C,D,E,F,G,H,Missing,I\n');
  const w = new ByteLines(16); // tiny: the buffer grows mid-line
  const r = awkwardRow();
  r.columns = [...r.columns, 'I'];
  r.values = Float64Array.of(...r.values, Infinity);
  enc.encodeInto(r, w);
  enc.encodeInto(r, w);
  const line = '"a,b ""c"".pcap",vidéo,tcp,10.0.0.1,50000,2001:db8::1,443,"line\nbreak",10,1521746167.888169,' +
    '0,0,-7,2147483647,-2147483648,4294967296123,0.30000000000000004,,,Infinity\n';
  assert.equal(decode(w), line + line);
  assert.equal(w.count, 2);
  assert.deepEqual([...w.view().lengths], [Buffer.byteLength(line), Buffer.byteLength(line)], 'byte lengths (é is two bytes)');
});

test('JSON lines: keys, strings escaped, non-finite numbers as null, raw data appended', () => {
  const enc = new RowEncoder({ format: 'jsonl', level: 'session', raw: true }, ['A', 'G', 'H']);
  assert.equal(enc.header(), '');
  const w = new ByteLines();
  const r = awkwardRow();
  r.level = 'session';
  r.raw = { Segments: [{ start: 1.5, bytes: 3 }] };
  enc.encodeInto(r, w);
  const text = decode(w);
  assert.equal(text, '{"capture":"a,b \\"c\\".pcap","service":"vidéo","local_ip":"10.0.0.1","flows":1,"bin_size":10,"bin_start":1521746167.888169,' +
    '"A":0,"G":0.30000000000000004,"H":null,"raw":{"Segments":[{"start":1.5,"bytes":3}]}}\n');
  assert.deepEqual(JSON.parse(text).raw, r.raw);
});

test('ByteLines: take() hands out the completed lines in buffers of their own; a line being written stays', () => {
  const w = new ByteLines(8);
  w.string('héllo'); w.endLine();
  w.number(-42); w.endLine();
  w.string('partial');
  const t = w.take();
  assert.equal(new TextDecoder().decode(t.lines), 'héllo\n-42\n');
  assert.deepEqual([...t.lengths], [7, 4]);
  assert.equal(t.lines.byteOffset, 0);
  assert.equal(t.lines.buffer.byteLength, t.lines.length, 'its own buffer (transferable)');
  w.endLine();
  assert.equal(decode(w), 'partial\n');
});

test('ByteLines.bytes: copies any slice (short ones byte by byte, long ones in one call) and grows the buffer as needed', () => {
  const src = new Uint8Array(300);
  for (let i = 0; i < src.length; i++) src[i] = 97 + (i % 26);
  const w = new ByteLines(4);
  w.string('>');
  w.bytes(src, 10, 20); // 10 bytes
  w.bytes(src, 0, 300); // the whole source
  w.bytes(src, 250, 250); // nothing
  w.bytes(src, 200, 265); // 65 bytes, just past the short path
  w.endLine();
  const expect = '>' + String.fromCharCode(...src.subarray(10, 20)) + String.fromCharCode(...src) + String.fromCharCode(...src.subarray(200, 265)) + '\n';
  assert.equal(decode(w), expect);
  assert.equal(w.view().lengths[0], 1 + 10 + 300 + 65 + 1);
});
