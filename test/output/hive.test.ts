import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureTable } from '../../src/output/table';
import { decodePartitionValue, encodePartitionValue, hiveFiles, HiveSink, readHivePartitioned, writeHivePartitioned } from '../../src/output/hive';
import { extractTable } from '../../src/pipeline/extract';
import { applyShardOptions } from '../../src/pipeline/shards';
import { generateDataset } from '../../src/datasets/generator';
import type { BinRow } from '../../src/pipeline/rows';
import { assertSameTable } from '../helpers';


function sessionRow(service: string, binSize: number, binStart: number, bytes: number): BinRow {
  return {
    level: 'session', capture: 'c.pcap', service, serviceIndex: 0, unit: 0, binSize, binStart, protocol: '', localIp: '10.0.0.1',
    localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '', flows: 2, columns: ['PacketCounters.InBytes'], values: Float64Array.of(bytes), raw: null,
  };
}

test('partition values are percent-encoded into one safe path component and decode back', () => {
  for (const v of ['youtube', 'a/b c=%', '', '.', '..', 'Ünïcode ✓', 'x*y?z', '__x__', '-1.5']) {
    const e = encodePartitionValue(v);
    assert.match(e, /^[A-Za-z0-9_.%-]*$/);
    assert.ok(e !== '.' && e !== '..' && !e.includes('/'));
    assert.equal(decodePartitionValue(e), v);
  }
  assert.equal(encodePartitionValue('a/b c'), 'a%2Fb%20c');
  assert.equal(encodePartitionValue('0.5'), '0.5');
});

test('writeHivePartitioned: service=/bin= folders, service column left out, read back whole', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'refinery-hive-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const table = new FeatureTable('session', { featureColumns: ['PacketCounters.InBytes'] });
  table.row(sessionRow('youtube', 10, 100, 1));
  table.row(sessionRow('a/b c', 10, 100, 2));
  table.row(sessionRow('youtube', 0.5, 100, 3));
  table.row(sessionRow('youtube', 10, 110, 4));
  const files = writeHivePartitioned(table, root, { part: '3' });
  assert.deepEqual(files.map((f) => relative(root, f)), [
    'service=a%2Fb%20c/bin=10/part-3.parquet', 'service=youtube/bin=0.5/part-3.parquet', 'service=youtube/bin=10/part-3.parquet',
  ]);
  assert.deepEqual(hiveFiles(root), files);
  // No temporary files left behind.
  assert.deepEqual(readdirSync(join(root, 'service=youtube', 'bin=10')), ['part-3.parquet']);
  const { parquetMetadata } = require('hyparquet') as typeof import('hyparquet');
  const bytes = readFileSync(files[2]);
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
  const names = meta.schema.slice(1).map((s) => s.name);
  assert.ok(!names.includes('service') && names.includes('bin_size') && names.includes('PacketCounters.InBytes'), names.join(','));
  assert.equal(Number(meta.num_rows), 2);
  assertSameTable(await readHivePartitioned(root), table);
  // A rerun of the same part replaces its files; another part adds its own.
  writeHivePartitioned(table, root, { part: '3' });
  writeHivePartitioned(table, root, { part: '4' });
  assert.equal(hiveFiles(root).length, 6);
  assert.throws(() => writeHivePartitioned(table, root, { part: '../x' }), /part name/);
});

/** @duckdb/node-api, when it loads (it is a native module and not a dependency of the package). */
interface Duck {
  connect(): Promise<{ runAndReadAll(sql: string): Promise<{ getRowObjectsJson(): Record<string, unknown>[] }>; closeSync(): void }>;
  closeSync(): void;
}
async function duckdb(): Promise<Duck | string> {
  try {
    const m = require('@duckdb/node-api') as { DuckDBInstance: { create(path: string): Promise<Duck> } };
    return await m.DuckDBInstance.create(':memory:');
  } catch (e) {
    return `@duckdb/node-api cannot load (${(e as Error).message.split('\n')[0]})`;
  }
}

test('two shards written to one hive root read back with DuckDB equal a single-process run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-hive-shards-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data'), root = join(dir, 'features');
  await generateDataset({ sessions: 6, seed: 5, out: data, minDurationS: 30, maxDurationS: 40 });
  const opts = { bins: [10, 30], level: 'session' as const, workers: 1 };
  const whole = await extractTable({ ...opts, captures: applyShardOptions([data], undefined).captures });
  assert.ok(whole.table.length > 20, `${whole.table.length} rows`);
  const sizes: number[] = [];
  for (let k = 0; k < 2; k++) {
    const { captures, part } = applyShardOptions([data], `${k}/2`);
    sizes.push(captures.length);
    const sink = new HiveSink(root, 'session', { part });
    // Two workers (one file each): the sink takes their table whole (appendTable).
    const r = await extractTable({ ...opts, workers: 2, captures, sink });
    assert.ok(sink.files.length > 0);
    assert.equal(sink.rows, r.table.length);
  }
  assert.equal(sizes[0] + sizes[1], 6);
  assert.ok(sizes[0] > 0 && sizes[1] > 0, `both shards have files (${sizes})`);
  // Without DuckDB: the same rows.
  assertSameTable(await readHivePartitioned(root), whole.table);

  const db = await duckdb();
  if (typeof db === 'string') { t.skip(db); return; }
  const conn = await db.connect();
  try {
    const glob = join(root, '**', '*.parquet').replace(/'/g, "''");
    const rows = (await conn.runAndReadAll(
      `SELECT service, bin, count(*)::INTEGER AS n, sum("PacketCounters.InBytes")::DOUBLE AS bytes, count(DISTINCT capture)::INTEGER AS captures
       FROM read_parquet('${glob}', hive_partitioning = true) GROUP BY ALL ORDER BY ALL`)).getRowObjectsJson();
    const want = new Map<string, { n: number; bytes: number; captures: Set<string> }>();
    const svc = whole.table.column('service'), size = whole.table.column('bin_size'), inb = whole.table.column('PacketCounters.InBytes');
    const cap = whole.table.column('capture');
    for (let i = 0; i < whole.table.length; i++) {
      const key = `${svc[i]}|${size[i]}`;
      const w = want.get(key) ?? { n: 0, bytes: 0, captures: new Set<string>() };
      w.n++; w.bytes += Number(inb[i]); w.captures.add(String(cap[i]));
      want.set(key, w);
    }
    assert.equal(rows.length, want.size, JSON.stringify(rows));
    for (const r of rows) {
      const w = want.get(`${r.service}|${r.bin}`);
      assert.ok(w, `unexpected group ${r.service}/${r.bin}`);
      assert.equal(r.n, w.n, `${r.service}/${r.bin} rows`);
      assert.ok(Math.abs(Number(r.bytes) - w.bytes) <= 1e-9 * w.bytes, `${r.service}/${r.bin} bytes ${r.bytes} vs ${w.bytes}`);
      assert.equal(r.captures, w.captures.size);
    }
    const total = (await conn.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT capture)::INTEGER AS captures FROM read_parquet('${glob}', hive_partitioning = true)`)).getRowObjectsJson()[0];
    assert.deepEqual(total, { n: whole.table.length, captures: 6 });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
