/**
 * Feature matrices for the forests: row-major Float64Array, with missing values (NaN,
 * e.g. the std of an empty bin) replaced by a sentinel below every real value, so a tree
 * can still separate "no value" from small values. Infinity is clamped.
 */
export const MISSING = -1;

export type Row = Record<string, unknown>;

export function toMatrix(rows: readonly Row[], columns: readonly string[]): Float64Array {
  const m = new Float64Array(rows.length * columns.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let j = 0; j < columns.length; j++) {
      const v = Number(r[columns[j]]);
      m[i * columns.length + j] = Number.isNaN(v) ? MISSING : v === Infinity ? 1e300 : v === -Infinity ? -1e300 : v;
    }
  }
  return m;
}

/** Rows of a matrix copy (for permutation importance, which shuffles one column at a time). */
export function column(m: Float64Array, nCols: number, j: number): Float64Array {
  const n = m.length / nCols;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * nCols + j];
  return out;
}
