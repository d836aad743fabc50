import type { BinRow, RowSink } from '../pipeline/rows';
import { Float64Column } from './growable';
import { RowLayout, STAGE_ROWS, transposeInto } from './rowStage';

/** Identifying columns of flow-level rows, before the feature columns. */
export const FLOW_META = ['capture', 'service', 'protocol', 'local_ip', 'local_port', 'remote_ip', 'remote_port', 'categorized_by', 'bin_size', 'bin_start'] as const;
/** Identifying columns of session-level rows. */
export const SESSION_META = ['capture', 'service', 'local_ip', 'flows', 'bin_size', 'bin_start'] as const;

const STRING_META = new Set(['capture', 'service', 'protocol', 'local_ip', 'remote_ip', 'categorized_by']);

export type ColumnValues = string[] | Float64Array;

/** A string column as its distinct values and one code per row (cheap to post: few strings). */
export interface DictColumn { values: string[]; codes: Int32Array }

/** A FeatureTable as plain data, for postMessage: `transferables()` lists its buffers. */
export interface ExportedTable {
  level: 'flow' | 'session';
  columns: string[];
  length: number;
  strings: Record<string, DictColumn>;
  numbers: Record<string, Float64Array>;
  raw: (Record<string, unknown> | null)[] | null;
}

/** The buffers of an exported table, to transfer instead of copying. */
export function transferables(e: ExportedTable): ArrayBuffer[] {
  return [...Object.values(e.numbers).map((a) => a.buffer as ArrayBuffer), ...Object.values(e.strings).map((d) => d.codes.buffer as ArrayBuffer)];
}

function dictEncode(v: string[]): DictColumn {
  const index = new Map<string, number>(), values: string[] = [], codes = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    let c = index.get(v[i]);
    if (c === undefined) { c = values.length; values.push(v[i]); index.set(v[i], c); }
    codes[i] = c;
  }
  return { values, codes };
}

/**
 * Columnar rows of closed bins, in the spirit of Arrow: one typed array per numeric
 * column, one string array per identifying column. It is a RowSink, so a pipeline
 * fills it directly; `toDataFrame()` gives danfojs, `toRows()` plain objects.
 */
export class FeatureTable implements RowSink {
  readonly level: 'flow' | 'session';
  columns: string[] = [];
  private readonly strings = new Map<string, string[]>();
  private readonly numbers = new Map<string, Float64Column>();
  private readonly keepRaw: boolean;
  readonly raw: (Record<string, unknown> | null)[] = [];
  length = 0;

  constructor(level: 'flow' | 'session', opts: { raw?: boolean; featureColumns?: readonly string[] } = {}) {
    this.level = level;
    this.keepRaw = !!opts.raw;
    for (const c of level === 'flow' ? FLOW_META : SESSION_META) this.addColumn(c);
    if (opts.featureColumns) this.begin(opts.featureColumns);
  }

  get metaColumns(): readonly string[] {
    return this.level === 'flow' ? FLOW_META : SESSION_META;
  }

  /** Feature columns (everything after the identifying ones). */
  get featureColumns(): string[] {
    const meta = new Set<string>(this.metaColumns);
    return this.columns.filter((c) => !meta.has(c));
  }

  begin(featureColumns: readonly string[]): void {
    for (const c of featureColumns) if (!this.numbers.has(c) && !this.strings.has(c)) this.addColumn(c);
  }

  /**
   * Appends one row. The hot path of every extraction: the row's numbers go into a row-major
   * chunk (one contiguous write per row, no per-column arrays to grow), and the columns get
   * them in one pass, at their final size, when they are first read (`materialize`).
   */
  row(r: BinRow): void {
    const s = this.strings;
    s.get('capture')!.push(r.capture);
    s.get('service')!.push(r.service);
    s.get('local_ip')!.push(r.localIp);
    if (this.level === 'flow') {
      s.get('protocol')!.push(r.protocol);
      s.get('remote_ip')!.push(r.remoteIp);
      s.get('categorized_by')!.push(r.categorizedBy);
    }
    const layout = this.layoutFor(r.columns);
    if (this.chunkRows === STAGE_ROWS || this.chunk === null) this.newChunk(layout.stride);
    layout.write(this.chunk!, this.chunkRows, r);
    if (this.keepRaw) this.raw.push(r.raw ? { ...r.raw } : null);
    this.chunkRows++;
    this.staged++;
    this.length++;
  }

  /** The numeric columns' layout for staged rows (null after columns change). */
  private layout: RowLayout | null = null;
  /** Rows not in the columns yet: full row-major chunks, the open one, and their count. */
  private chunks: Float64Array[] = [];
  private chunk: Float64Array | null = null;
  private chunkRows = 0;
  private staged = 0;
  /** Numbers per staged row (the numeric columns when staging began). */
  private stride = 0;

  /** The layout rows with these feature columns are staged in (a new column first moves staged rows to the columns). */
  private layoutFor(cols: readonly string[]): RowLayout {
    if (this.layout !== null && this.layout.fits(cols)) return this.layout;
    for (const c of cols) if (!this.numbers.has(c)) this.addColumn(c);
    return (this.layout = new RowLayout(this.level, [...this.numbers.keys()], new Set(this.metaColumns)));
  }

  private newChunk(stride: number): void {
    if (this.chunk !== null) this.chunks.push(this.chunk);
    else this.stride = stride;
    this.chunk = new Float64Array(STAGE_ROWS * this.stride);
    this.chunkRows = 0;
  }

  /** Moves the staged rows into the columns (each column grows once, to the table's length). */
  private materialize(): void {
    if (this.staged === 0) return;
    const W = this.stride, cols = [...this.numbers.values()], from = this.length - this.staged;
    for (const col of cols) col.reserve(this.length);
    const out = cols.map((c) => c.array);
    let at = from;
    const all = this.chunk ? [...this.chunks, this.chunk] : this.chunks;
    for (let k = 0; k < all.length; k++) {
      const rows = k === all.length - 1 && this.chunk ? this.chunkRows : STAGE_ROWS;
      transposeInto(all[k], rows, W, out, at);
      at += rows;
    }
    for (const col of cols) col.length = this.length;
    this.chunks = []; this.chunk = null; this.chunkRows = 0; this.staged = 0;
  }

  /** Appends every row of `other` (same level); columns missing on either side become NaN/''. */
  append(other: FeatureTable): void {
    if (other.level !== this.level) throw new Error(`cannot append ${other.level} rows to a ${this.level} table`);
    this.materialize(); other.materialize();
    for (const c of other.columns) if (!this.numbers.has(c) && !this.strings.has(c)) this.addColumn(c);
    for (const [name, col] of this.strings) {
      const src = other.strings.get(name);
      for (let i = 0; i < other.length; i++) col.push(src ? src[i] : '');
    }
    for (const [name, col] of this.numbers) col.pushAll(other.numbers.get(name)?.values() ?? null, other.length);
    if (this.keepRaw) for (let i = 0; i < other.length; i++) this.raw.push(other.raw[i] ?? null);
    this.length += other.length;
  }

  /** The values of one column (a string array or a Float64Array view). */
  column(name: string): ColumnValues {
    const s = this.strings.get(name);
    if (s) return s;
    const n = this.numbers.get(name);
    this.materialize();
    if (n) return n.values();
    throw new Error(`no column "${name}" (columns: ${this.columns.join(', ')})`);
  }

  isNumeric(name: string): boolean {
    return this.numbers.has(name);
  }

  /** Row `i` as a plain object. */
  rowAt(i: number): Record<string, string | number> {
    const o: Record<string, string | number> = {};
    for (const c of this.columns) o[c] = this.column(c)[i];
    return o;
  }

  toRows(): Record<string, string | number>[] {
    const out: Record<string, string | number>[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.rowAt(i));
    return out;
  }

  /** A danfojs DataFrame of the rows (danfojs is loaded on first use: it is heavy). */
  toDataFrame(): import('danfojs-node').DataFrame {
    const dfd = loadDanfo();
    const data: Record<string, unknown[]> = {};
    for (const c of this.columns) data[c] = Array.from(this.column(c) as ArrayLike<unknown>);
    return new dfd.DataFrame(data, { columns: this.columns });
  }

  /**
   * A structured-clone friendly snapshot (worker threads send tables back this way). With
   * `{ share: true }` the numeric columns are views of the table's own arrays, not copies:
   * for a table about to be dropped, whose buffers are then transferred.
   */
  exportColumns(opts: { share?: boolean } = {}): ExportedTable {
    this.materialize();
    return {
      level: this.level, columns: [...this.columns], length: this.length,
      strings: Object.fromEntries([...this.strings].map(([k, v]) => [k, dictEncode(v)])),
      numbers: Object.fromEntries([...this.numbers].map(([k, v]) => [k, opts.share ? v.values() : v.values().slice()])),
      raw: this.keepRaw ? this.raw : null,
    };
  }

  /** The layout of staged rows of a table of this level with these feature columns (what `fromStaged` takes). */
  static rowLayout(level: 'flow' | 'session', featureColumns: readonly string[]): RowLayout {
    const meta = level === 'flow' ? FLOW_META : SESSION_META;
    const numeric = [...meta.filter((c) => !STRING_META.has(c)), ...new Set(featureColumns)].filter((c) => !STRING_META.has(c));
    return new RowLayout(level, numeric, new Set<string>(meta));
  }

  /**
   * A table over rows staged elsewhere (a split run's shared chunks, laid out by `rowLayout`):
   * `strings` holds each string meta column, `chunks` the numbers of `length` rows, STAGE_ROWS
   * per chunk. The numbers move to columns when first read, as for rows appended here.
   */
  static fromStaged(level: 'flow' | 'session', featureColumns: readonly string[], strings: Record<string, string[]>, chunks: Float64Array[], length: number,
    raw: (Record<string, unknown> | null)[] | null): FeatureTable {
    const t = new FeatureTable(level, { raw: raw !== null, featureColumns });
    const layout = FeatureTable.rowLayout(level, featureColumns);
    if (layout.stride !== t.numbers.size) throw new Error('fromStaged: row layout does not match the table');
    for (const name of t.strings.keys()) {
      const col = strings[name];
      if (!col || col.length !== length) throw new Error(`fromStaged: string column ${name} has ${col?.length ?? 0} values for ${length} rows`);
      t.strings.set(name, col);
    }
    const full = Math.floor(length / STAGE_ROWS), rest = length - full * STAGE_ROWS;
    if (chunks.length < full + (rest ? 1 : 0)) throw new Error(`fromStaged: ${chunks.length} chunks for ${length} rows`);
    t.layout = layout;
    t.stride = layout.stride;
    t.chunks = chunks.slice(0, full);
    t.chunk = rest ? chunks[full] : null;
    t.chunkRows = rest;
    t.staged = length;
    t.length = length;
    if (raw) for (let i = 0; i < length; i++) t.raw.push(raw[i] ?? null);
    return t;
  }

  /** Rebuilds a table from `exportColumns()`. */
  static fromExported(e: ExportedTable): FeatureTable {
    return FeatureTable.gather([e]);
  }

  /** One table from exported parts laid one after another, in one pass. Columns missing in a part are NaN / ''. */
  static gather(parts: ExportedTable[]): FeatureTable {
    if (parts.length === 0) throw new Error('gather: no parts');
    const level = parts[0].level, raw = parts[0].raw !== null;
    const t = new FeatureTable(level, { raw });
    for (const e of parts) {
      if (e.level !== level) throw new Error(`cannot gather ${e.level} rows into a ${level} table`);
      for (const c of e.columns) if (!t.strings.has(c) && !t.numbers.has(c)) t.addColumn(c);
    }
    const n = parts.reduce((a, e) => a + e.length, 0);
    for (const name of t.strings.keys()) {
      const out = new Array<string>(n);
      let at = 0;
      for (const e of parts) {
        const d = e.strings[name];
        for (let j = 0; j < e.length; j++) out[at + j] = d ? d.values[d.codes[j]] : '';
        at += e.length;
      }
      t.strings.set(name, out);
    }
    for (const name of t.numbers.keys()) {
      const out = new Float64Array(n);
      let at = 0;
      for (const e of parts) {
        const src = e.numbers[name];
        if (src) out.set(src.subarray(0, e.length), at); else out.fill(NaN, at, at + e.length);
        at += e.length;
      }
      t.numbers.set(name, Float64Column.wrap(out));
    }
    if (raw) for (const e of parts) for (let j = 0; j < e.length; j++) t.raw.push(e.raw?.[j] ?? null);
    t.length = n;
    return t;
  }

  /**
   * Sorts rows in place into a canonical order (capture, service, bin size, bin start, then
   * the endpoints), so runs that emit bins in different orders (threads) compare equal.
   */
  sortCanonical(): this {
    const keys = ['capture', 'service', 'bin_size', 'bin_start', 'local_ip', 'local_port', 'remote_ip', 'remote_port', 'protocol'].filter((k) => this.columns.includes(k));
    const cols = keys.map((k) => this.column(k));
    const order = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => {
      for (const c of cols) {
        const x = c[a], y = c[b];
        if (x < y) return -1;
        if (x > y) return 1;
      }
      return 0;
    });
    return this.reorder(order);
  }

  /** Puts the rows in the order given: row `i` becomes the old row `order[i]` (a permutation). */
  reorder(order: ArrayLike<number>): this {
    if (order.length !== this.length) throw new Error(`reorder: ${order.length} positions for ${this.length} rows`);
    this.materialize();
    const n = this.length;
    for (const [k, v] of this.strings) {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = v[order[i]];
      this.strings.set(k, out);
    }
    for (const [k, v] of this.numbers) {
      const vals = v.values(), out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = vals[order[i]];
      this.numbers.set(k, Float64Column.wrap(out));
    }
    if (this.raw.length) {
      const raw = Array.from({ length: n }, (_, i) => this.raw[order[i]]);
      this.raw.length = 0;
      for (const r of raw) this.raw.push(r);
    }
    return this;
  }

  private addColumn(name: string): void {
    // Staged rows have no room for a new column: they go to the columns first.
    this.materialize();
    this.layout = null;
    this.columns.push(name);
    if (STRING_META.has(name)) this.strings.set(name, new Array<string>(this.length).fill(''));
    else {
      const col = new Float64Column(Math.max(256, this.length));
      col.pushAll(null, this.length);
      this.numbers.set(name, col);
    }
  }
}

let danfo: typeof import('danfojs-node') | undefined;

/** Loads danfojs once, with TensorFlow's banner silenced. */
export function loadDanfo(): typeof import('danfojs-node') {
  if (!danfo) {
    danfo = require('danfojs-node') as typeof import('danfojs-node');
    try { (danfo as unknown as { tensorflow?: { enableProdMode?: () => void } }).tensorflow?.enableProdMode?.(); } catch { /* optional */ }
  }
  return danfo;
}

/** Feeds the rows of a table to a sink, as a pipeline would have (`begin`: false when the sink has begun). */
export function replayRows(table: FeatureTable, sink: RowSink, begin = true): void {
  const features = table.featureColumns;
  if (begin) sink.begin?.(features);
  const col = (c: string) => (table.columns.includes(c) ? table.column(c) : null);
  const [cap, svc, proto, lip, lport, rip, rport, cat, flows, size, start] =
    ['capture', 'service', 'protocol', 'local_ip', 'local_port', 'remote_ip', 'remote_port', 'categorized_by', 'flows', 'bin_size', 'bin_start'].map(col);
  const fcols = features.map((f) => table.column(f) as Float64Array);
  const row: BinRow = {
    level: table.level, capture: '', service: '', serviceIndex: -1, unit: -1, binSize: 0, binStart: 0, protocol: '', localIp: '', localPort: 0,
    remoteIp: '', remotePort: 0, categorizedBy: '', flows: 0, columns: features, values: new Float64Array(features.length), raw: null,
  };
  for (let i = 0; i < table.length; i++) {
    row.capture = String(cap?.[i] ?? ''); row.service = String(svc?.[i] ?? ''); row.protocol = String(proto?.[i] ?? '');
    row.localIp = String(lip?.[i] ?? ''); row.localPort = Number(lport?.[i] ?? 0); row.remoteIp = String(rip?.[i] ?? '');
    row.remotePort = Number(rport?.[i] ?? 0); row.categorizedBy = String(cat?.[i] ?? ''); row.flows = Number(flows?.[i] ?? 0);
    row.binSize = Number(size?.[i] ?? 0); row.binStart = Number(start?.[i] ?? 0);
    for (let j = 0; j < fcols.length; j++) row.values[j] = fcols[j][i];
    row.raw = table.raw[i] ?? null;
    sink.row(row);
  }
}
