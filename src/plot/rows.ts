import type { Row } from './types';

/** Anything the plot builders accept as a table. */
export type RowsLike =
  | readonly Row[]
  /** A danfojs DataFrame (duck-typed: `columns` and a 2-D `values`). */
  | { columns: readonly string[]; values: readonly unknown[] }
  /** A FeatureTable, or anything else with `toRows()`. */
  | { toRows(): Row[] };

/**
 * Tidy rows from an array of objects, a danfojs DataFrame or a FeatureTable.
 * danfojs is not imported: a DataFrame is recognized by its `columns` and `values`.
 */
export function rowsOf(x: RowsLike): Row[] {
  if (Array.isArray(x)) return x as Row[];
  if (x && typeof (x as { toRows?: unknown }).toRows === 'function') return (x as { toRows(): Row[] }).toRows();
  const df = x as { columns?: unknown; values?: unknown };
  if (df && Array.isArray(df.columns) && Array.isArray(df.values)) {
    const cols = df.columns as string[];
    return (df.values as unknown[]).map((v) => {
      const r: Row = {};
      const vals = Array.isArray(v) ? v : [v];
      for (let i = 0; i < cols.length; i++) r[cols[i]] = vals[i];
      return r;
    });
  }
  throw new TypeError('rowsOf: expected an array of row objects, a danfojs DataFrame or a FeatureTable');
}

/** A finite number from a cell, or NaN (numeric strings are parsed). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/** Groups rows by a key, keeping the order in which keys first appear. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = out.get(k);
    if (g) g.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/** Sorts keys numerically when they all are numbers, else keeps their order. */
export function sortKeys(keys: readonly string[]): string[] {
  return keys.every((k) => k.trim() !== '' && Number.isFinite(Number(k))) ? [...keys].sort((a, b) => Number(a) - Number(b)) : [...keys];
}

/** Throws a readable error when a required column is missing from the rows. */
export function requireColumns(rows: readonly Row[], columns: readonly string[], who: string): void {
  if (rows.length === 0) return;
  const have = new Set<string>();
  for (const r of rows.slice(0, 50)) for (const k of Object.keys(r)) have.add(k);
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length) throw new Error(`${who}: missing column(s) ${missing.join(', ')} (have: ${[...have].join(', ')})`);
}
