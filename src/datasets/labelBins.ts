/**
 * Joins session-level feature rows (one row per capture, client, service and time bin) with the
 * per-second labels of a dataset (sessions.csv / labels.csv).
 *
 * Matching: a row belongs to the session whose capture has the same base name as the row's
 * `capture` and whose client_ip equals the row's `local_ip` (and, by default, the same service).
 * A bin [bin_start, bin_start + bin_size) covers the label seconds whose midpoint falls inside it.
 * Added columns:
 * - `session_id`;
 * - `t`: bin start relative to the session's start_ts (seconds);
 * - `resolution`: majority height over the bin's *playing* seconds (ties: the most recent);
 * - `startup_delay_s`: on the session's first bin (the earliest bin overlapping [start_ts, start_ts + duration_s)),
 *   NaN elsewhere (bins may start on a grid or at the session's first packet).
 * Bins without a playing second are dropped (`dropped.noLabel`), except the session's first bin,
 * which is kept (resolution null) because it carries the startup delay; `keepFirstBin: false`
 * drops it too.
 *
 * Accepts an array of plain objects (returns plain objects, resolution null when missing) or a
 * danfojs DataFrame (returns a DataFrame built with the input's own constructor, so this module
 * never loads danfojs itself; a missing resolution is NaN there).
 */
import { basename } from 'node:path';
import { DatasetLabels, LabelRecord, SessionRecord, readDatasetSync } from './labels';

export type FeatureRow = Record<string, unknown>;

/** The part of a danfojs DataFrame this module uses. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
  shape: number[];
}

export interface LabelBinsOptions {
  /** Only rows with this bin_size are labelled (others are dropped as `otherBinSize`); default: each row's own bin_size. */
  binSize?: number;
  /** Require the row's service to equal the session's (case-insensitive). Default true. */
  matchService?: boolean;
  /** Keep each session's first bin even without a playing second. Default true. */
  keepFirstBin?: boolean;
}

export interface LabelBinsDropped {
  /** No session for (capture base name, local_ip). */
  noSession: number;
  /** The bin holds no playing second (or lies outside the labelled seconds). */
  noLabel: number;
  /** The row's service differs from the session's. */
  otherService: number;
  /** The row's bin_size differs from options.binSize. */
  otherBinSize: number;
  /** Rows lacking a required column or with a non-numeric bin_start/bin_size. */
  invalid: number;
}

export interface LabelBinsResult<T> {
  table: T;
  dropped: LabelBinsDropped;
  kept: number;
}

export const LABEL_BIN_COLUMNS = ['session_id', 't', 'resolution', 'startup_delay_s'] as const;

function isDataFrame(x: unknown): x is DataFrameLike {
  return !!x && typeof x === 'object' && !Array.isArray(x) && Array.isArray((x as DataFrameLike).columns) && Array.isArray((x as DataFrameLike).values) && Array.isArray((x as DataFrameLike).shape);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

export function labelBins(rows: FeatureRow[], labels: DatasetLabels | string, o?: LabelBinsOptions): LabelBinsResult<FeatureRow[]>;
export function labelBins<D extends DataFrameLike>(rows: D, labels: DatasetLabels | string, o?: LabelBinsOptions): LabelBinsResult<D>;
export function labelBins(rows: FeatureRow[] | DataFrameLike, labels: DatasetLabels | string, o: LabelBinsOptions = {}): LabelBinsResult<FeatureRow[] | DataFrameLike> {
  const data: DatasetLabels = typeof labels === 'string' ? readDatasetSync(labels) : labels;
  let input: FeatureRow[];
  let columns: string[];
  if (isDataFrame(rows)) {
    columns = [...rows.columns];
    const values = rows.values as unknown[][];
    input = values.map((v) => { const r: FeatureRow = {}; columns.forEach((c, i) => { r[c] = Array.isArray(v) ? v[i] : v; }); return r; });
  } else if (Array.isArray(rows)) {
    input = rows;
    columns = rows.length ? Object.keys(rows[0]) : [];
  } else {
    throw new TypeError('labelBins: rows must be an array of objects or a danfojs DataFrame');
  }
  const { table, dropped } = labelRows(input, data, o);
  if (isDataFrame(rows)) {
    const outCols = [...columns.filter((c) => !(LABEL_BIN_COLUMNS as readonly string[]).includes(c)), ...LABEL_BIN_COLUMNS];
    // The result is built with the input's own class, so this module never loads danfojs.
    const Ctor = (rows as unknown as { constructor: new (data: unknown, options?: { columns?: string[] }) => DataFrameLike }).constructor;
    const df = table.length
      ? new Ctor(table.map((r) => { const x: FeatureRow = {}; for (const c of outCols) x[c] = c === 'resolution' && r[c] === null ? NaN : r[c]; return x; }), { columns: outCols })
      : new Ctor([], { columns: outCols });
    return { table: df, dropped, kept: table.length };
  }
  return { table, dropped, kept: table.length };
}

function labelRows(input: FeatureRow[], data: DatasetLabels, o: LabelBinsOptions): { table: FeatureRow[]; dropped: LabelBinsDropped } {
  const matchService = o.matchService ?? true;
  const keepFirst = o.keepFirstBin ?? true;
  const dropped: LabelBinsDropped = { noSession: 0, noLabel: 0, otherService: 0, otherBinSize: 0, invalid: 0 };
  const byKey = new Map<string, SessionRecord>();
  for (const s of data.sessions) byKey.set(`${basename(s.capture)}\u0000${s.client_ip}`, s);
  const bySession = new Map<string, (LabelRecord | undefined)[]>();
  for (const l of data.labels) {
    let arr = bySession.get(l.session_id);
    if (!arr) { arr = []; bySession.set(l.session_id, arr); }
    arr[l.t] = l;
  }
  interface Candidate { row: FeatureRow; s: SessionRecord; t: number; size: number; resolution: number | null; index: number }
  const candidates: Candidate[] = [];
  const firstBin = new Map<string, Candidate>(); // key: session + bin size
  input.forEach((row, index) => {
    const cap = row.capture, ip = row.local_ip;
    const binStart = toNumber(row.bin_start);
    const rowSize = toNumber(row.bin_size);
    const size = o.binSize ?? rowSize;
    if (typeof cap !== 'string' || cap === '' || ip === undefined || ip === null || !Number.isFinite(binStart) || !(size > 0)) { dropped.invalid++; return; }
    if (o.binSize !== undefined && Number.isFinite(rowSize) && Math.abs(rowSize - o.binSize) > 1e-9) { dropped.otherBinSize++; return; }
    const s = byKey.get(`${basename(cap)}\u0000${String(ip)}`);
    if (!s) { dropped.noSession++; return; }
    if (matchService && typeof row.service === 'string' && row.service !== '' && row.service.toLowerCase() !== s.service.toLowerCase()) { dropped.otherService++; return; }
    const t = binStart - s.start_ts;
    const secs = bySession.get(s.session_id) ?? [];
    // Label seconds whose midpoint lies in [t, t + size).
    const from = Math.max(0, Math.ceil(t - 0.5 - 1e-9));
    const to = Math.min(secs.length - 1, Math.ceil(t + size - 0.5 - 1e-9) - 1);
    const count = new Map<number, { n: number; last: number }>();
    for (let k = from; k <= to; k++) {
      const l = secs[k];
      if (!l || l.state !== 'playing' || l.resolution === null) continue;
      const c = count.get(l.resolution) ?? { n: 0, last: 0 };
      c.n++; c.last = k; count.set(l.resolution, c);
    }
    let resolution: number | null = null;
    let best = { n: 0, last: -1 };
    for (const [h, c] of count) if (c.n > best.n || (c.n === best.n && c.last > best.last)) { best = c; resolution = h; }
    const cand: Candidate = { row, s, t, size, resolution, index };
    candidates.push(cand);
    // The session's first bin: the earliest one overlapping [0, duration). Feature pipelines may
    // start bins at the first packet of the service rather than on a grid, so it need not contain t = 0.
    if (t + size > 0 && t < s.duration_s) {
      const key = `${s.session_id}\u0000${size}`;
      const cur = firstBin.get(key);
      if (!cur || t < cur.t) firstBin.set(key, cand);
    }
  });
  const firsts = new Set(firstBin.values());
  const table: FeatureRow[] = [];
  for (const c of candidates) {
    const isFirst = firsts.has(c);
    if (c.resolution === null && !(isFirst && keepFirst)) { dropped.noLabel++; continue; }
    table.push({
      ...c.row,
      session_id: c.s.session_id,
      t: c.t,
      resolution: c.resolution,
      startup_delay_s: isFirst ? c.s.startup_delay_s : NaN,
    });
  }
  return { table, dropped };
}
