import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import type { BinRow, TextRowSink, TextEncoding } from '../pipeline/rows';
import { RowEncoder, csvField, jsonValue } from './rowEncoder';
import { ByteLines } from './byteLines';
import { FeatureTable, FLOW_META, SESSION_META, replayRows } from './table';
import { parseCsvObjects } from './csv';

export type OutputFormat = 'csv' | 'jsonl' | 'parquet';

/** The format named by a file's extension (`.csv`, `.jsonl`/`.json`, `.parquet`). */
export function formatOf(path: string): OutputFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.jsonl?$/i.test(path) || /\.ndjson$/i.test(path)) return 'jsonl';
  if (/\.parquet$/i.test(path)) return 'parquet';
  throw new OutputFormatError(`cannot tell the output format of "${path}": use .csv, .jsonl or .parquet`);
}

const FLUSH_BYTES = 1 << 16;

/** An output path whose format is unknown (a user error: the CLI says it without a stack trace). */
export class OutputFormatError extends Error {
  constructor(message: string) { super(message); this.name = 'OutputFormatError'; }
}


/** Plain row objects as CSV: the union of their keys as columns, missing and NaN as empty fields. */
export function rowsToCsv(rows: readonly Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'number' ? csvField(v) : csvField(String(v)));
  return [cols.map(csvField).join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** The whole table as CSV text (NaN as an empty field). */
export function tableToCsv(t: FeatureTable): string {
  const cols = t.columns.map((c) => t.column(c));
  const lines = [t.columns.map(csvField).join(',')];
  for (let i = 0; i < t.length; i++) lines.push(cols.map((c) => csvField(c[i])).join(','));
  return lines.join('\n') + '\n';
}

/** JSON lines, one object per row (NaN as null), with raw class data under `raw` when kept. */
export function tableToJsonl(t: FeatureTable): string {
  const cols = t.columns.map((c) => t.column(c));
  const names = t.columns.map((c) => JSON.stringify(c));
  let out = '';
  for (let i = 0; i < t.length; i++) {
    let line = '{';
    for (let j = 0; j < cols.length; j++) line += (j ? ',' : '') + names[j] + ':' + jsonValue(cols[j][i]);
    const raw = t.raw[i];
    if (raw) line += ',"raw":' + JSON.stringify(raw);
    out += line + '}\n';
  }
  return out;
}

/**
 * Parquet bytes (snappy): DOUBLE numeric columns (required: a missing value is NaN, never
 * null), STRING identifying columns. Min/max statistics only on the identifying columns, what
 * queries filter on (bin_start, ports, service...): computing them on ~130 feature columns
 * was 40 % of hyparquet-writer's time (1.5 of 3.4 s for 84 k rows).
 */
export function tableToParquet(t: FeatureTable): Uint8Array {
  const { parquetWriteBuffer } = require('hyparquet-writer') as typeof import('hyparquet-writer');
  const features = new Set(t.featureColumns);
  const columnData = t.columns.map((name) => t.isNumeric(name)
    ? { name, data: Float64Array.from(t.column(name) as Float64Array), type: 'DOUBLE' as const, nullable: false, statistics: !features.has(name) }
    : { name, data: t.column(name) as string[], type: 'STRING' as const });
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'traffic-refinery' }));
}

/** Serializes the table in `format`. */
export function encodeTable(t: FeatureTable, format: OutputFormat): Uint8Array {
  if (format === 'parquet') return tableToParquet(t);
  return Buffer.from(format === 'csv' ? tableToCsv(t) : tableToJsonl(t), 'utf8');
}

/** Reads a CSV, JSON lines or Parquet file written by this library back into a table. */
export async function readTable(path: string): Promise<FeatureTable> {
  const format = formatOf(path);
  let rows: Record<string, unknown>[];
  if (format === 'parquet') {
    const { parquetReadObjects } = require('hyparquet') as typeof import('hyparquet');
    const bytes = readFileSync(path);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    rows = await parquetReadObjects({ file });
  } else if (format === 'jsonl') {
    rows = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
      try { return JSON.parse(l) as Record<string, unknown>; } catch (e) { throw new Error(`${path}:${i + 1}: bad JSON: ${(e as Error).message}`); }
    });
  } else {
    rows = parseCsv(readFileSync(path, 'utf8'), path);
  }
  const first = rows[0] ?? {};
  const level = 'remote_ip' in first ? 'flow' : 'session';
  const meta = new Set<string>(level === 'flow' ? FLOW_META : SESSION_META);
  const features = Object.keys(first).filter((k) => !meta.has(k) && k !== 'raw');
  const t = new FeatureTable(level, { featureColumns: features });
  const strCols = new Set(['capture', 'service', 'protocol', 'local_ip', 'remote_ip', 'categorized_by']);
  const row: BinRow = {
    level, capture: '', service: '', serviceIndex: 0, unit: 0, binSize: 0, binStart: 0, protocol: '', localIp: '', localPort: 0,
    remoteIp: '', remotePort: 0, categorizedBy: '', flows: 0, columns: features, values: new Float64Array(features.length), raw: null,
  };
  const num = (v: unknown): number => (v === null || v === undefined || v === '' ? NaN : Number(v));
  const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  for (const r of rows) {
    row.capture = str(r.capture); row.service = str(r.service); row.localIp = str(r.local_ip);
    row.protocol = str(r.protocol); row.remoteIp = str(r.remote_ip); row.categorizedBy = str(r.categorized_by);
    row.localPort = num(r.local_port); row.remotePort = num(r.remote_port); row.flows = num(r.flows);
    row.binSize = num(r.bin_size); row.binStart = num(r.bin_start);
    features.forEach((f, i) => { row.values[i] = strCols.has(f) ? NaN : num(r[f]); });
    t.row(row);
  }
  return t;
}

/** CSV with a header as one object per row (see output/csv.ts). */
export const parseCsv = parseCsvObjects;

/**
 * A sink that writes rows to a file (or standard output, path '-') as they close: CSV and
 * JSON lines stream (constant memory); Parquet is columnar, so its rows are kept and
 * written at `end()`. CSV and JSON lines are TextRowSinks: parallel runs encode the rows
 * in the workers and hand over the lines in order.
 *
 * Writes are synchronous: extraction runs on this thread without yielding, so a stream's
 * asynchronous writes would only queue up in memory until the end (memory growing with the
 * output). Standard output is synchronous on Linux for files and pipes.
 */
export class FileSink implements TextRowSink {
  readonly format: OutputFormat;
  /** The file's descriptor (-1: standard output, or not open yet). */
  private fd = -1;
  private open = false;
  private encoder: RowEncoder | null = null;
  private table: FeatureTable | null = null;
  /** Bytes not written yet: rows encoded here and small pieces of encoded lines (one write each 64 KiB). */
  private readonly lines = new ByteLines();
  bytesWritten = 0;
  rows = 0;

  constructor(readonly path: string, readonly level: 'flow' | 'session', opts: { format?: OutputFormat; raw?: boolean } = {}) {
    this.format = opts.format ?? (path === '-' ? 'csv' : formatOf(path));
    if (path === '-' && this.format === 'parquet') throw new OutputFormatError('Parquet cannot stream to standard output: give a file');
    this.raw = !!opts.raw;
  }

  readonly raw: boolean;

  /** CSV and JSON lines: the encoding workers must use for `writeEncoded`. */
  get textEncoding(): TextEncoding | null {
    return this.format === 'parquet' ? null : { format: this.format, level: this.level, raw: this.raw };
  }

  begin(featureColumns: readonly string[]): void {
    if (this.format === 'parquet') {
      this.table = new FeatureTable(this.level, { featureColumns });
      return;
    }
    this.encoder = new RowEncoder(this.textEncoding!, featureColumns);
    if (this.path !== '-') this.fd = openSync(this.path, 'w');
    this.open = true;
    this.out(this.encoder.header());
  }

  row(r: BinRow): void {
    this.rows++;
    if (this.table) { this.table.row(r); return; }
    this.encoder!.encodeInto(r, this.lines);
    if (this.lines.pos >= FLUSH_BYTES) this.flush();
  }

  /** Parquet: a parallel run's rows, kept as they are (no row-by-row copy); text: written. */
  appendTable(t: FeatureTable): void {
    if (!this.table) { replayRows(t, this, false); return; }
    this.rows += t.length;
    if (this.table.length === 0 && t.level === this.table.level) this.table = t;
    else this.table.append(t);
  }

  writeEncoded(lines: string | Uint8Array, rows: number): void {
    this.rows += rows;
    // A split run hands over a few rows at a time: gather them rather than a write call each.
    if (typeof lines !== 'string' && lines.length < FLUSH_BYTES) {
      this.lines.bytes(lines, 0, lines.length);
      if (this.lines.pos >= FLUSH_BYTES) this.flush();
      return;
    }
    this.flush();
    this.out(lines);
  }

  async end(): Promise<void> {
    if (this.table) {
      const bytes = tableToParquet(this.table);
      writeFileSync(this.path, bytes);
      this.bytesWritten = bytes.length;
      return;
    }
    if (!this.open) this.begin([]);
    this.flush();
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    } else {
      // Standard output is flushed, not ended (the process may write more).
      await new Promise<void>((resolve) => { process.stdout.write('', () => resolve()); });
    }
  }

  private flush(): void {
    if (this.lines.pos === 0) return;
    this.out(this.lines.buf.subarray(0, this.lines.pos));
    this.lines.reset();
  }

  private out(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.bytesWritten += bytes.length;
    // (Standard output may keep the buffer until written: give it its own copy.)
    if (this.fd < 0) { process.stdout.write(bytes === data ? Buffer.from(bytes) : bytes); return; }
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at);
  }
}
