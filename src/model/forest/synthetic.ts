/**
 * Deterministic synthetic tables for tests and benchmarks (same seed, same table, everywhere).
 *
 * `makeClassification`: rows of `nFeatures` columns; the first 10 are informative standard normals,
 * the rest mix noisy copies of informative columns, pure noise (normal and uniform), and small
 * integer counts. Each class k has a score that is a fixed random combination of x_j, |x_j|,
 * x_j * x_(j+1) and sin(2 x_j) over the informative columns; the label is the argmax of the scores
 * plus Gumbel noise of scale `noise`, so the Bayes accuracy is well below 1 (like real labels).
 * `makeRegression` uses the same columns with target score_0 - score_1 + N(0, noise^2).
 */
import { Rng } from './rng';

export interface SyntheticTable {
  /** Row-major nRows x nCols. */
  data: Float64Array;
  nRows: number;
  nCols: number;
  y: Float64Array;
}

export interface SyntheticOptions {
  nRows: number;
  nFeatures?: number;
  nClasses?: number;
  seed?: number;
  noise?: number;
}

const N_INFORMATIVE = 10;

function features(rng: Rng, nRows: number, nCols: number): Float64Array {
  const data = new Float64Array(nRows * nCols);
  const inf = Math.min(N_INFORMATIVE, nCols);
  for (let i = 0; i < nRows; i++) {
    const o = i * nCols;
    for (let j = 0; j < inf; j++) data[o + j] = rng.nextNormal();
    for (let j = inf; j < nCols; j++) {
      const kind = j % 4;
      if (kind === 0) data[o + j] = data[o + (j % inf)] + 0.7 * rng.nextNormal();
      else if (kind === 1) data[o + j] = rng.nextNormal();
      else if (kind === 2) data[o + j] = rng.nextFloat() * 100;
      else data[o + j] = Math.floor(-Math.log(1 - rng.nextFloat()) * 3);
    }
  }
  return data;
}

function scoreWeights(rng: Rng, nClasses: number): Float64Array {
  const a = new Float64Array(nClasses * N_INFORMATIVE * 4);
  for (let k = 0; k < a.length; k++) a[k] = rng.nextNormal();
  return a;
}

function score(a: Float64Array, k: number, data: Float64Array, o: number, inf: number): number {
  let s = 0;
  const base = k * N_INFORMATIVE * 4;
  for (let j = 0; j < inf; j++) {
    const x = data[o + j];
    const x2 = data[o + ((j + 1) % inf)];
    s += a[base + 4 * j] * x + a[base + 4 * j + 1] * Math.abs(x) + a[base + 4 * j + 2] * x * x2 + a[base + 4 * j + 3] * Math.sin(2 * x);
  }
  return s;
}

export function makeClassification(o: SyntheticOptions): SyntheticTable {
  const nCols = o.nFeatures ?? 40;
  const K = o.nClasses ?? 6;
  const noise = o.noise ?? 2;
  const rng = new Rng(o.seed ?? 1);
  const a = scoreWeights(rng, K);
  const data = features(rng, o.nRows, nCols);
  const y = new Float64Array(o.nRows);
  const inf = Math.min(N_INFORMATIVE, nCols);
  for (let i = 0; i < o.nRows; i++) {
    let best = 0;
    let bv = -Infinity;
    for (let k = 0; k < K; k++) {
      let u = 0;
      while (u === 0) u = rng.nextFloat();
      const v = score(a, k, data, i * nCols, inf) - noise * Math.log(-Math.log(u));
      if (v > bv) {
        bv = v;
        best = k;
      }
    }
    y[i] = best;
  }
  return { data, nRows: o.nRows, nCols, y };
}

export function makeRegression(o: SyntheticOptions): SyntheticTable {
  const nCols = o.nFeatures ?? 40;
  const noise = o.noise ?? 1;
  const rng = new Rng(o.seed ?? 1);
  const a = scoreWeights(rng, 2);
  const data = features(rng, o.nRows, nCols);
  const y = new Float64Array(o.nRows);
  const inf = Math.min(N_INFORMATIVE, nCols);
  for (let i = 0; i < o.nRows; i++) {
    y[i] = score(a, 0, data, i * nCols, inf) - score(a, 1, data, i * nCols, inf) + noise * rng.nextNormal();
  }
  return { data, nRows: o.nRows, nCols, y };
}

/** Rows [from, to) of a table as a new table. */
export function sliceRows(t: SyntheticTable, from: number, to: number): SyntheticTable {
  return {
    data: t.data.slice(from * t.nCols, to * t.nCols),
    nRows: to - from,
    nCols: t.nCols,
    y: t.y.slice(from, to),
  };
}

/** Rows of a row-major table as number[][] (for array-of-rows APIs). */
export function toRows(data: Float64Array, nRows: number, nCols: number): number[][] {
  const rows: number[][] = new Array(nRows);
  for (let i = 0; i < nRows; i++) rows[i] = Array.from(data.subarray(i * nCols, (i + 1) * nCols));
  return rows;
}
