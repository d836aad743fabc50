/**
 * Input checks shared by the forest engine. Every failure throws an Error whose message names the
 * offending row and column, so a bad table is found at once rather than as a silently wrong model.
 */

/** A dense row-major table of finite numbers. */
export interface Matrix {
  data: Float64Array;
  nRows: number;
  nCols: number;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Copies an array of rows into a row-major Float64Array, checking that it is non-empty, rectangular
 * and finite. `expectedCols` (when given) is the width the model was trained on.
 */
export function matrixFromRows(X: ArrayLike<ArrayLike<number>>, what: string, expectedCols?: number): Matrix {
  if (X === null || X === undefined || typeof X !== 'object' || typeof X.length !== 'number') {
    throw new Error(`${what}: expected an array of rows, got ${describe(X)}`);
  }
  const nRows = X.length;
  if (nRows === 0) throw new Error(`${what}: the table is empty (0 rows)`);
  const first = X[0];
  if (first === null || first === undefined || typeof first !== 'object' || typeof first.length !== 'number') {
    throw new Error(`${what}: row 0 is not an array (${describe(first)})`);
  }
  const nCols = first.length;
  if (nCols === 0) throw new Error(`${what}: row 0 has no columns`);
  if (expectedCols !== undefined && nCols !== expectedCols) {
    throw new Error(`${what}: rows have ${nCols} columns but the model was trained on ${expectedCols}`);
  }
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    const row = X[i];
    if (row === null || row === undefined || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new Error(`${what}: row ${i} is not an array (${describe(row)})`);
    }
    if (row.length !== nCols) {
      throw new Error(`${what}: ragged table: row ${i} has ${row.length} columns, row 0 has ${nCols}`);
    }
    const base = i * nCols;
    for (let j = 0; j < nCols; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${what}: value at row ${i}, column ${j} is not a finite number (${describe(v)})`);
      }
      data[base + j] = v;
    }
  }
  return { data, nRows, nCols };
}

/** Checks a row-major typed table (and copies it to Float64Array if it is of another type). */
export function matrixFromTyped(
  data: ArrayLike<number>,
  nRows: number,
  nCols: number,
  what: string,
  expectedCols?: number,
): Matrix {
  if (!Number.isInteger(nRows) || nRows < 0) throw new Error(`${what}: nRows must be a non-negative integer, got ${nRows}`);
  if (!Number.isInteger(nCols) || nCols < 0) throw new Error(`${what}: nCols must be a non-negative integer, got ${nCols}`);
  if (nRows === 0) throw new Error(`${what}: the table is empty (0 rows)`);
  if (nCols === 0) throw new Error(`${what}: the table has no columns`);
  if (expectedCols !== undefined && nCols !== expectedCols) {
    throw new Error(`${what}: rows have ${nCols} columns but the model was trained on ${expectedCols}`);
  }
  if (data === null || data === undefined || typeof data.length !== 'number') {
    throw new Error(`${what}: expected a typed array of values, got ${describe(data)}`);
  }
  if (data.length !== nRows * nCols) {
    throw new Error(`${what}: data has ${data.length} values but nRows x nCols = ${nRows} x ${nCols} = ${nRows * nCols}`);
  }
  const out = data instanceof Float64Array ? data : new Float64Array(nRows * nCols);
  for (let k = 0; k < nRows * nCols; k++) {
    const v = data[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const i = Math.floor(k / nCols);
      throw new Error(`${what}: value at row ${i}, column ${k - i * nCols} is not a finite number (${describe(v)})`);
    }
    if (out !== data) out[k] = v;
  }
  return { data: out, nRows, nCols };
}

/** Checks the targets: one finite number per row. */
export function targetsFrom(y: ArrayLike<number>, nRows: number, what: string): Float64Array {
  if (y === null || y === undefined || typeof y !== 'object' || typeof y.length !== 'number') {
    throw new Error(`${what}: expected an array of targets, got ${describe(y)}`);
  }
  if (y.length !== nRows) {
    throw new Error(`${what}: y has ${y.length} values but X has ${nRows} rows`);
  }
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const v = y[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${what}: target y[${i}] (row ${i}) is not a finite number (${describe(v)})`);
    }
    out[i] = v;
  }
  return out;
}
