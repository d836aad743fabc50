/**
 * Hive-partitioned Parquet: `root/service=<service>/bin=<bin size>/part-<part>.parquet`,
 * the layout DuckDB (`read_parquet('root/**\/*.parquet', hive_partitioning = true)`),
 * Spark, Polars and pyarrow datasets read as one table, with `service` and `bin` filled in
 * from the folder names and partition pruning on both.
 *
 * - Each task of a batch job writes its own part name (its shard index) into the same
 *   root; a rerun of a task replaces its own files (written under a temporary name, then
 *   renamed, so a reader never sees half a file). Changing the number of shards needs a
 *   fresh root: parts of the old split would stay.
 * - The `service` column is left out of the files: the folder gives it, and DuckDB would
 *   otherwise have two `service` columns (the folder's silently wins). `bin_size` stays in
 *   the files as a DOUBLE (the folder's `bin` is text or an integer to DuckDB, by
 *   inference); both hold the same value.
 * - Partition values are percent-encoded (UTF-8) except letters, digits, `-`, `_` and `.`
 *   (and `.`/`..` alone): DuckDB decodes them back. An empty service stays `service=`.
 * - Every file has all the table's columns (NaN where a service has no such feature), so
 *   the files share one schema and no `union_by_name` is needed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { BinRow, RowSink } from '../pipeline/rows';
import { FeatureTable, FLOW_META, SESSION_META } from './table';

/** Percent-encodes a partition value so it is one safe path component. */
export function encodePartitionValue(value: string): string {
  if (value === '.' || value === '..') return value.replace(/\./g, '%2E');
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.-]/.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function decodePartitionValue(text: string): string {
  return decodeURIComponent(text);
}

/** A bin size as a folder name: `10`, `0.5` (shortest exact decimal). */
export function binPartition(binSize: number): string {
  return encodePartitionValue(String(binSize));
}

export interface HiveOptions {
  /** The part name: each writer into the same root needs its own (e.g. the shard index). */
  part: string;
}

function checkPart(part: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(part) || part === '.' || part === '..') {
    throw new Error(`hive part name "${part}": use letters, digits, '-', '_' or '.'`);
  }
}

/**
 * Writes the rows of `table` under `root`, one Parquet file per (service, bin size):
 * `root/service=<svc>/bin=<size>/part-<part>.parquet`. Returns the paths written, sorted.
 */
export function writeHivePartitioned(table: FeatureTable, root: string, opts: HiveOptions): string[] {
  checkPart(opts.part);
  const svc = table.column('service') as string[];
  const size = table.column('bin_size');
  const groups = new Map<string, { service: string; bin: number; rows: number[] }>();
  for (let i = 0; i < table.length; i++) {
    const key = svc[i] + '\u0000' + size[i];
    let g = groups.get(key);
    if (!g) { g = { service: svc[i], bin: Number(size[i]), rows: [] }; groups.set(key, g); }
    g.rows.push(i);
  }
  const columns = table.columns.filter((c) => c !== 'service');
  const data = columns.map((c) => ({ name: c, numeric: table.isNumeric(c), values: table.column(c) }));
  const written: string[] = [];
  const { parquetWriteBuffer } = require('hyparquet-writer') as typeof import('hyparquet-writer');
  for (const g of groups.values()) {
    const columnData = data.map((c) => c.numeric
      ? { name: c.name, data: Float64Array.from(g.rows, (i) => (c.values as Float64Array)[i]), type: 'DOUBLE' as const }
      : { name: c.name, data: g.rows.map((i) => (c.values as string[])[i]), type: 'STRING' as const });
    const bytes = new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'traffic-refinery' }));
    const dir = join(root, `service=${encodePartitionValue(g.service)}`, `bin=${binPartition(g.bin)}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `part-${opts.part}.parquet`);
    // Not *.parquet until complete: readers globbing **/*.parquet never see half a file.
    const tmp = join(dir, `.part-${opts.part}.parquet.${process.pid}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    written.push(file);
  }
  return written.sort();
}

/**
 * A RowSink that keeps rows per (service, bin size) and writes the partitioned files at
 * `end()`: `extractTable({ ..., sink: new HiveSink(root, level, { part }) })`.
 */
export class HiveSink implements RowSink {
  private table: FeatureTable;
  /** The files written by `end()`. */
  files: string[] = [];
  rows = 0;

  constructor(readonly root: string, readonly level: 'flow' | 'session', readonly opts: HiveOptions) {
    checkPart(opts.part);
    this.table = new FeatureTable(level);
  }

  begin(featureColumns: readonly string[]): void {
    this.table.begin(featureColumns);
  }

  row(r: BinRow): void {
    this.rows++;
    this.table.row(r);
  }

  /** A parallel run's rows, whole. */
  appendTable(t: FeatureTable): void {
    this.rows += t.length;
    if (this.table.length === 0) this.table = t;
    else this.table.append(t);
  }

  end(): void {
    this.files = writeHivePartitioned(this.table, this.root, this.opts);
    this.table = new FeatureTable(this.level);
  }
}

/** Every `*.parquet` below `root` (any depth), sorted, dot files skipped. */
export function hiveFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.parquet')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/**
 * Reads a partitioned root back into one table without DuckDB (hyparquet): the files in
 * path order, `service` restored from the folder names. Feature columns are the union.
 */
export async function readHivePartitioned(root: string): Promise<FeatureTable> {
  const { parquetReadObjects } = require('hyparquet') as typeof import('hyparquet');
  const parts: { service: string; rows: Record<string, unknown>[] }[] = [];
  for (const file of hiveFiles(root)) {
    const keys: Record<string, string> = {};
    for (const comp of relative(root, file).split(sep).slice(0, -1)) {
      const eq = comp.indexOf('=');
      if (eq > 0) keys[comp.slice(0, eq)] = decodePartitionValue(comp.slice(eq + 1));
    }
    const bytes = readFileSync(file);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    parts.push({ service: keys.service ?? '', rows: await parquetReadObjects({ file: ab }) });
  }
  const first = parts.find((p) => p.rows.length)?.rows[0] ?? {};
  const level = 'remote_ip' in first ? 'flow' : 'session';
  const meta = new Set<string>(level === 'flow' ? FLOW_META : SESSION_META);
  const features: string[] = [];
  const known = new Set<string>();
  for (const p of parts) for (const k of Object.keys(p.rows[0] ?? {})) if (!meta.has(k) && !known.has(k)) { known.add(k); features.push(k); }
  const t = new FeatureTable(level, { featureColumns: features });
  const row: BinRow = {
    level, capture: '', service: '', serviceIndex: 0, unit: 0, binSize: 0, binStart: 0, protocol: '', localIp: '', localPort: 0,
    remoteIp: '', remotePort: 0, categorizedBy: '', flows: 0, columns: features, values: new Float64Array(features.length), raw: null,
  };
  const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
  const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  for (const p of parts) {
    for (const r of p.rows) {
      row.service = p.service;
      row.capture = str(r.capture); row.localIp = str(r.local_ip);
      row.protocol = str(r.protocol); row.remoteIp = str(r.remote_ip); row.categorizedBy = str(r.categorized_by);
      row.localPort = num(r.local_port); row.remotePort = num(r.remote_port); row.flows = num(r.flows);
      row.binSize = num(r.bin_size); row.binStart = num(r.bin_start);
      for (let i = 0; i < features.length; i++) row.values[i] = num(r[features[i]]);
      t.row(row);
    }
  }
  return t;
}
