import type { BinRow, TextEncoding } from '../pipeline/rows';
import { FLOW_META, SESSION_META } from './table';
import { csvQuote } from './csv';

export function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return csvQuote(v);
}

export function jsonValue(v: string | number): string {
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);
}

/**
 * Rows as CSV or JSON-lines text, one line per row, columns = the identifying ones then the
 * run's feature columns (NaN as an empty field / null). FileSink writes with it; workers of
 * a parallel run use the same encoder, so their lines equal the sink's own.
 */
export class RowEncoder {
  readonly columns: string[];
  private readonly names: string[];
  /** Per service column list: where each output column's value sits in the row's values (-1: none). */
  private readonly positions = new Map<readonly string[], Int32Array>();

  constructor(readonly encoding: TextEncoding, featureColumns: readonly string[]) {
    this.columns = [...(encoding.level === 'flow' ? FLOW_META : SESSION_META), ...featureColumns];
    this.names = this.columns.map((c) => JSON.stringify(c));
    this.kinds = Int8Array.from(this.columns, (c) => (Object.hasOwn(META, c) ? (META as Record<string, number>)[c] : -1));
    this.scratch = new Array<string | number>(this.columns.length);
  }

  private readonly kinds: Int8Array;
  private readonly scratch: (string | number)[];

  /** The CSV header line ('' for JSON lines). */
  header(): string {
    return this.encoding.format === 'csv' ? this.columns.map(csvField).join(',') + '\n' : '';
  }

  encode(r: BinRow): string {
    const values = this.valuesOf(r);
    if (this.encoding.format === 'csv') {
      // One string built in place: no array per row (this runs once per row of every output).
      let line = '';
      for (let j = 0; j < values.length; j++) {
        const v = values[j];
        if (j > 0) line += ',';
        if (typeof v === 'number') { if (v === v) line += v; } else line += csvQuote(v);
      }
      return line + '\n';
    }
    let line = '{';
    for (let j = 0; j < values.length; j++) line += (j ? ',' : '') + this.names[j] + ':' + jsonValue(values[j]);
    if (this.encoding.raw && r.raw) line += ',"raw":' + JSON.stringify(r.raw);
    return line + '}\n';
  }

  private valuesOf(r: BinRow): (string | number)[] {
    let at = this.positions.get(r.columns);
    if (!at) {
      at = Int32Array.from(this.columns, (c) => r.columns.indexOf(c));
      this.positions.set(r.columns, at);
    }
    const pos = at, kinds = this.kinds, out = this.scratch;
    for (let j = 0; j < kinds.length; j++) {
      switch (kinds[j]) {
        case META.capture: out[j] = r.capture; break;
        case META.service: out[j] = r.service; break;
        case META.protocol: out[j] = r.protocol; break;
        case META.local_ip: out[j] = r.localIp; break;
        case META.local_port: out[j] = r.localPort; break;
        case META.remote_ip: out[j] = r.remoteIp; break;
        case META.remote_port: out[j] = r.remotePort; break;
        case META.categorized_by: out[j] = r.categorizedBy; break;
        case META.flows: out[j] = r.flows; break;
        case META.bin_size: out[j] = r.binSize; break;
        case META.bin_start: out[j] = r.binStart; break;
        default: out[j] = pos[j] >= 0 ? r.values[pos[j]] : NaN;
      }
    }
    return out;
  }
}

/** Identifying columns, by a small number (feature columns are -1). */
const META = {
  capture: 0, service: 1, protocol: 2, local_ip: 3, local_port: 4, remote_ip: 5, remote_port: 6, categorized_by: 7, flows: 8, bin_size: 9, bin_start: 10,
} as const;
