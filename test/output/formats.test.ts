import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowsToCsv, parseCsv, FileSink } from '../../src/output/formats';
import type { BinRow } from '../../src/pipeline/rows';

test('rows to CSV: the union of the rows\' columns, quoting, NaN and missing as empty', () => {
  const text = rowsToCsv([{ task: 'resolution', accuracy: 0.5, note: 'a,"b"' }, { task: 'startup', mae: 2.25, accuracy: NaN }]);
  const back = parseCsv(text);
  assert.deepEqual(Object.keys(back[0]), ['task', 'accuracy', 'note', 'mae']);
  assert.deepEqual(back[0], { task: 'resolution', accuracy: '0.5', note: 'a,"b"', mae: '' });
  assert.deepEqual(back[1], { task: 'startup', accuracy: '', note: '', mae: '2.25' });
});

test('FileSink streams CSV to disk as rows come (nothing piles up in memory until the end)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-filesink-'));
  try {
    const path = join(dir, 'rows.csv');
    const sink = new FileSink(path, 'session');
    sink.begin(['X']);
    const row: BinRow = {
      level: 'session', capture: 'c.pcap', service: 'svc', serviceIndex: 0, unit: 0, binSize: 10, binStart: 0, protocol: '', localIp: '10.0.0.1',
      localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '', flows: 1, columns: ['X'], values: new Float64Array(1), raw: null,
    };
    for (let i = 0; i < 5000; i++) { row.values[0] = i + 0.5; sink.row(row); }
    // ~200 KB of lines: all but the last partial 64 KiB are on disk already, with no event-loop turn.
    assert.ok(statSync(path).size > 100_000, `${statSync(path).size} bytes on disk before end()`);
    await sink.end();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'capture,service,local_ip,flows,bin_size,bin_start,X');
    assert.equal(lines.length, 5001);
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',').pop())), Array.from({ length: 5000 }, (_, i) => i + 0.5));
    assert.equal(sink.bytesWritten, statSync(path).size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileSink: an output path with no known extension is a user error naming the path', () => {
  assert.throws(() => new FileSink('/tmp/rows.txt', 'flow'), (e: Error) => e.name === 'OutputFormatError' && /"\/tmp\/rows\.txt": use \.csv, \.jsonl or \.parquet/.test(e.message));
  assert.throws(() => new FileSink('-', 'flow', { format: 'parquet' }), /Parquet cannot stream to standard output/);
});

test('FileSink gathers small pieces of encoded lines into large writes, in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-filesink-'));
  try {
    const path = join(dir, 'pieces.csv');
    const sink = new FileSink(path, 'session');
    sink.begin(['X']);
    const header = readFileSync(path, 'utf8');
    let expected = header;
    for (let i = 0; i < 2000; i++) {
      const piece = `c.pcap,svc,10.0.0.${i % 250},1,10,${i},${i * 0.5}\n`;
      expected += piece;
      sink.writeEncoded(Buffer.from(piece), 1);
      // Nothing goes to disk piece by piece: only whole 64 KiB gatherings.
      assert.ok(statSync(path).size === header.length || statSync(path).size >= 65536, `${statSync(path).size} bytes on disk`);
    }
    await sink.end();
    assert.equal(readFileSync(path, 'utf8'), expected);
    assert.equal(sink.rows, 2000);
    assert.equal(sink.bytesWritten, Buffer.byteLength(expected));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Parquet: numeric columns required (NaN stays a value), min/max statistics on identifying columns only, read back equal', async () => {
  const { tableToParquet, readTable } = await import('../../src/output/formats');
  const { FeatureTable } = await import('../../src/output/table');
  const { parquetMetadata } = require('hyparquet') as typeof import('hyparquet');
  const table = new FeatureTable('flow', { featureColumns: ['A.x', 'B.y'] });
  const row: BinRow = {
    level: 'flow', capture: 'c.pcap', service: 'svc', serviceIndex: 0, unit: 0, binSize: 10, binStart: 100, protocol: 'tcp', localIp: '10.0.0.1',
    localPort: 5000, remoteIp: '10.0.0.2', remotePort: 443, categorizedBy: 'sni', flows: 1, columns: ['A.x', 'B.y'], values: Float64Array.of(1.5, NaN), raw: null,
  };
  table.row(row);
  row.binStart = 110; row.values = Float64Array.of(-2, 7);
  table.row(row);
  const bytes = tableToParquet(table);
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
  const schema = new Map(meta.schema.slice(1).map((s) => [s.name, s]));
  assert.equal(schema.get('A.x')!.repetition_type, 'REQUIRED');
  assert.equal(schema.get('bin_start')!.repetition_type, 'REQUIRED');
  assert.equal(schema.get('service')!.repetition_type, 'OPTIONAL');
  const chunks = new Map(meta.row_groups[0].columns.map((c) => [c.meta_data!.path_in_schema.join('.'), c.meta_data!]));
  assert.equal(chunks.get('bin_start')!.statistics?.min_value, 100);
  assert.equal(chunks.get('bin_start')!.statistics?.max_value, 110);
  assert.equal(chunks.get('A.x')!.statistics?.min_value, undefined);
  const dir = mkdtempSync(join(tmpdir(), 'refinery-parquet-'));
  try {
    const path = join(dir, 't.parquet');
    require('node:fs').writeFileSync(path, bytes);
    const back = await readTable(path);
    assert.deepEqual([...(back.column('A.x') as Float64Array)], [1.5, -2]);
    assert.ok(Number.isNaN((back.column('B.y') as Float64Array)[0]));
    assert.deepEqual([...(back.column('bin_start') as Float64Array)], [100, 110]);
    assert.deepEqual(back.column('service'), ['svc', 'svc']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
