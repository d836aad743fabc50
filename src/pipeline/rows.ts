import type { FeatureTable } from '../output/table';

/** One closed bin of one unit, handed to sinks. The object is reused: copy what you keep. */
export interface BinRow {
  level: 'flow' | 'session';
  capture: string;
  service: string;
  serviceIndex: number;
  /** Flow id or session id. */
  unit: number;
  binSize: number;
  /** Epoch seconds of the bin's start (aligned to the unit's first packet). */
  binStart: number;
  /** Flow level: `tcp`, `udp`, `icmp`, ...; session level: ''. */
  protocol: string;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  categorizedBy: string;
  /** Session level: flows seen in the session so far. */
  flows: number;
  /** Qualified column names of this row's service (`<Class>.<field>`), parallel to `values`. */
  columns: readonly string[];
  values: Float64Array;
  /** Raw per-class data (e.g. the segment list), when a class provides it. */
  raw: Record<string, unknown> | null;
  /** Position of the row in the run's emission order, the same whatever the number of workers. */
  seq?: number;
}

/** Receives closed bins as the pipeline emits them (tables, files, live writers). */
export interface RowSink {
  /** Called once before any row, with the union of feature columns of all services. */
  begin?(featureColumns: readonly string[]): void;
  row(r: BinRow): void;
  /**
   * Split runs only: a row that follower `owner` makes (the leader of a split capture announces
   * every row in order; sinks that keep rows in place take their strings here).
   */
  rowMeta?(r: BinRow, owner: number): void;
  /**
   * Parallel runs: every row at once, as the workers' table (after `begin()`). Sinks that keep
   * a table take it whole; without this method the rows are replayed one by one.
   */
  appendTable?(t: FeatureTable): void;
  end?(): void | Promise<void>;
}

export const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 47: 'gre', 50: 'esp', 51: 'ah', 136: 'udplite' };

export function protocolName(n: number): string {
  return PROTOCOL_NAMES[n] ?? `ip-${n}`;
}

/** How a text sink encodes rows (workers encode with a RowEncoder of the same settings). */
export interface TextEncoding { format: 'csv' | 'jsonl'; level: 'flow' | 'session'; raw: boolean }

/**
 * A sink that writes rows as text lines (CSV, JSON lines). Parallel runs encode rows in the
 * workers with a RowEncoder for `textEncoding` and hand the sink the lines in row order.
 */
export interface TextRowSink extends RowSink {
  /** null when this sink does not take encoded lines (e.g. Parquet). */
  readonly textEncoding: TextEncoding | null;
  /** Lines encoded by a RowEncoder of `textEncoding` (as text or UTF-8), after `begin()`; `rows` of them. */
  writeEncoded(lines: string | Uint8Array, rows: number): void;
}

/** The sink's text encoding when it takes encoded lines, else null. */
export function textEncodingOf(sink: RowSink | undefined): TextEncoding | null {
  const t = sink as Partial<TextRowSink> | undefined;
  return t && typeof t.writeEncoded === 'function' && t.textEncoding ? t.textEncoding : null;
}
