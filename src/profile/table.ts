import { loadDanfo } from '../output/table';

export type Cell = string | number;

/**
 * A small tidy table of plain row objects: what the profiler returns to callers that do
 * not want danfojs, with `toDataFrame()` for those that do and `toCsv()` for files.
 * Columns are fixed at construction; a row lacking a column reads as NaN (or '').
 */
export class ProfileTable<R extends { [k: string]: Cell } = Record<string, Cell>> {
  readonly rows: R[] = [];

  constructor(readonly columns: readonly string[], rows: Iterable<R> = []) {
    for (const r of rows) this.rows.push(r);
  }

  get length(): number {
    return this.rows.length;
  }

  push(...rows: R[]): void {
    this.rows.push(...rows);
  }

  /** The values of one column. */
  column(name: string): Cell[] {
    return this.rows.map((r) => (r as Record<string, Cell>)[name] ?? NaN);
  }

  /** Rows matching a predicate, as a new table with the same columns. */
  filter(f: (r: R) => boolean): ProfileTable<R> {
    return new ProfileTable<R>(this.columns, this.rows.filter(f));
  }

  toRows(): R[] {
    return this.rows.map((r) => ({ ...r }));
  }

  /** A danfojs DataFrame with the table's columns in order (danfojs loads on first use). */
  toDataFrame(): import('danfojs-node').DataFrame {
    const dfd = loadDanfo();
    const data: Record<string, Cell[]> = {};
    for (const c of this.columns) data[c] = this.column(c);
    return new dfd.DataFrame(data, { columns: [...this.columns] });
  }

  /** RFC 4180 CSV (NaN and missing values as empty fields). */
  toCsv(): string {
    const field = (v: Cell | undefined): string => {
      if (v === undefined) return '';
      if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
      return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    };
    const lines = [this.columns.map((c) => field(c)).join(',')];
    for (const r of this.rows) lines.push(this.columns.map((c) => field((r as Record<string, Cell>)[c])).join(','));
    return lines.join('\n') + '\n';
  }
}
