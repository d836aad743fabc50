import type { BinRow, TextEncoding } from '../pipeline/rows';
import { FLOW_META, SESSION_META } from './table';
import { csvQuote } from './csv';
import { putInt, putAscii, type ByteLines } from './byteLines';

export function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return csvQuote(v);
}

export function jsonValue(v: string | number): string {
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);
}

/**
 * Rows as CSV or JSON-lines text, one line per row, columns = the identifying ones then the
 * run's feature columns (NaN as an empty field / null), written as UTF-8 into ByteLines.
 * FileSink writes with it; workers of a parallel run use the same encoder, so their lines
 * equal the sink's own.
 */
export class RowEncoder {
  readonly columns: string[];
  /** JSON: each column's `"name":` as UTF-8, column j at keyStart[j]..keyStart[j+1]. */
  private readonly keys: Uint8Array;
  private readonly keyStart: Int32Array;
  /** Per service column list: where each output column's value sits in the row's values (-1: none). */
  private readonly positions = new Map<readonly string[], Int32Array>();
  private readonly kinds: Int8Array;
  private readonly csv: boolean;
  /** Identifying columns come first; then the features, the hot part of a line (~120 numbers). */
  private readonly metaCount: number;
  /** Bytes the features of one line can take at most (a number prints in at most 25). */
  private readonly featureBytes: number;

  constructor(readonly encoding: TextEncoding, featureColumns: readonly string[]) {
    this.columns = [...(encoding.level === 'flow' ? FLOW_META : SESSION_META), ...featureColumns];
    const keys = this.columns.map((c) => Buffer.from(JSON.stringify(c) + ':'));
    this.keys = Buffer.concat(keys);
    this.keyStart = new Int32Array(keys.length + 1);
    keys.forEach((k, j) => { this.keyStart[j + 1] = this.keyStart[j] + k.length; });
    this.kinds = Int8Array.from(this.columns, (c) => (Object.hasOwn(META, c) ? (META as Record<string, number>)[c] : -1));
    this.csv = encoding.format === 'csv';
    this.metaCount = (encoding.level === 'flow' ? FLOW_META : SESSION_META).length;
    this.featureBytes = (this.columns.length - this.metaCount) * 26 + (this.csv ? 0 : this.keys.length);
  }

  /** The CSV header line ('' for JSON lines). */
  header(): string {
    return this.csv ? this.columns.map(csvField).join(',') + '\n' : '';
  }

  /** Appends the row's line to `out`. */
  encodeInto(r: BinRow, out: ByteLines): void {
    let at = this.positions.get(r.columns);
    if (!at) {
      at = Int32Array.from(this.columns, (c) => r.columns.indexOf(c));
      this.positions.set(r.columns, at);
    }
    const kinds = this.kinds, values = r.values, csv = this.csv, m = this.metaCount, n = kinds.length;
    if (!csv) out.byte(123); // {
    for (let j = 0; j < m; j++) {
      if (j > 0) out.byte(44); // ,
      if (!csv) out.bytes(this.keys, this.keyStart[j], this.keyStart[j + 1]);
      let v: number;
      switch (kinds[j]) {
        case META.capture: this.text(out, r.capture); continue;
        case META.service: this.text(out, r.service); continue;
        case META.protocol: this.text(out, r.protocol); continue;
        case META.local_ip: this.text(out, r.localIp); continue;
        case META.remote_ip: this.text(out, r.remoteIp); continue;
        case META.categorized_by: this.text(out, r.categorizedBy); continue;
        case META.local_port: v = r.localPort; break;
        case META.remote_port: v = r.remotePort; break;
        case META.flows: v = r.flows; break;
        case META.bin_size: v = r.binSize; break;
        default: v = r.binStart;
      }
      out.number(v);
    }
    // The features, with the buffer in locals (room made once for the line).
    out.room(this.featureBytes + 64);
    const b = out.buf, keys = this.keys, keyStart = this.keyStart;
    let p = out.pos;
    for (let j = m; j < n; j++) {
      b[p++] = 44; // ,
      if (!csv) for (let i = keyStart[j], e = keyStart[j + 1]; i < e; i++) b[p++] = keys[i];
      const k = at[j], v = k >= 0 ? values[k] : NaN;
      // CSV: NaN is an empty field; JSON: non-finite numbers are null.
      if (v - v !== 0) {
        if (!csv) { b[p++] = 110; b[p++] = 117; b[p++] = 108; b[p++] = 108; }
        else if (v === v) p = putAscii(b, p, '' + v); // +-Infinity
        continue;
      }
      p = v === (v | 0) ? putInt(b, p, v) : putAscii(b, p, '' + v);
    }
    out.pos = p;
    if (!csv) {
      if (this.encoding.raw && r.raw) { out.string(',"raw":'); out.string(JSON.stringify(r.raw)); }
      out.byte(125); // }
    }
    out.endLine();
  }

  private text(out: ByteLines, s: string): void {
    out.string(this.csv ? csvQuote(s) : JSON.stringify(s));
  }
}

/** Identifying columns, by a small number (feature columns are -1). */
const META = {
  capture: 0, service: 1, protocol: 2, local_ip: 3, local_port: 4, remote_ip: 5, remote_port: 6, categorized_by: 7, flows: 8, bin_size: 9, bin_start: 10,
} as const;
