/**
 * Quantization: each feature is binned once per training table into at most `maxBins` (<= 256)
 * ordered bins, so that split search works on small integer codes with histograms.
 *
 * - A feature with at most `maxBins` distinct values gets one bin per distinct value (exact splits,
 *   as in an exhaustive CART search).
 * - Otherwise bins are filled greedily over the sorted distinct values so that each holds about
 *   (rows left) / (bins left) rows: quantile bins in which a heavy repeated value gets a bin of its own.
 * - The upper edge of bin b is a real value `thresholds[f * stride + b]`: the midpoint between the
 *   largest value in bin b and the smallest value in bin b + 1. A value x falls in the first bin
 *   whose edge is >= x, so `code(x) <= b` exactly when `x <= edge(b)`: trees store these real edges
 *   and predict on raw floats without re-binning.
 * - A constant column has a single bin and no edge; it can never be chosen for a split.
 *
 * Codes are stored row-major with a row stride padded to a multiple of 4 bytes (so a row can be
 * copied as 32-bit words) in a Uint8Array over a SharedArrayBuffer, so worker threads read the same
 * memory without copies. Tree growth copies the in-bag rows into a private row-major working table
 * that it keeps physically partitioned node by node, so split search streams through contiguous
 * memory instead of gathering bytes scattered over the table.
 */

export interface BinnedTable {
  nRows: number;
  nCols: number;
  /** Stride of `thresholds` (maxBins - 1). */
  stride: number;
  /** Bytes per row of `codes`: nCols rounded up to a multiple of 4. */
  rowStride: number;
  /** codes[i * rowStride + f] = bin of row i for feature f (padding bytes are 0). */
  codes: Uint8Array;
  /** Number of bins of each feature (1 for a constant column). */
  nBins: Int32Array;
  /** Upper bin edges: thresholds[f * stride + b] for b < nBins[f] - 1. */
  thresholds: Float64Array;
}

/** Largest value strictly between a < b that is still < b: the midpoint, or a if none exists. */
function edgeBetween(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m < b && m >= a ? m : a;
}

/**
 * Computes the bin edges of one sorted column into `out` (starting at `outOffset`) and returns the
 * number of bins.
 */
export function binEdges(sorted: Float64Array, maxBins: number, out: Float64Array, outOffset: number): number {
  const n = sorted.length;
  if (n === 0) return 1;
  let distinct = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  let nEdges = 0;
  if (distinct <= maxBins) {
    for (let i = 1; i < n; i++) {
      if (sorted[i] !== sorted[i - 1]) out[outOffset + nEdges++] = edgeBetween(sorted[i - 1], sorted[i]);
    }
    return nEdges + 1;
  }
  // Greedy quantile bins over distinct values.
  let i = 0;
  let binsLeft = maxBins;
  while (i < n && binsLeft > 1) {
    const target = (n - i) / binsLeft;
    let inBin = 0;
    // take whole runs of equal values until the bin holds at least `target` rows
    while (i < n && inBin < target) {
      const v = sorted[i];
      let j = i + 1;
      while (j < n && sorted[j] === v) j++;
      inBin += j - i;
      i = j;
    }
    if (i >= n) break;
    out[outOffset + nEdges++] = edgeBetween(sorted[i - 1], sorted[i]);
    binsLeft--;
  }
  return nEdges + 1;
}

/** Bin of value x given `nEdges` ascending edges starting at `offset`: first b with x <= edge[b]. */
export function binOf(x: number, edges: Float64Array, offset: number, nEdges: number): number {
  let lo = 0;
  let hi = nEdges; // answer in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[offset + mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bins a row-major table (values must already be checked finite). `maxBins` must be in [2, 256].
 */
export function quantize(data: Float64Array, nRows: number, nCols: number, maxBins: number): BinnedTable {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw new Error(`maxBins must be an integer in [2, 256], got ${maxBins}`);
  }
  const stride = maxBins - 1;
  const rowStride = (nCols + 3) & ~3;
  const codes = new Uint8Array(new SharedArrayBuffer(nRows * rowStride));
  const nBins = new Int32Array(nCols);
  const thresholds = new Float64Array(nCols * stride);
  const col = new Float64Array(nRows);
  const sorted = new Float64Array(nRows);
  for (let f = 0; f < nCols; f++) {
    // + 0 turns -0 into +0 so both are the same value
    for (let i = 0, k = f; i < nRows; i++, k += nCols) col[i] = data[k] + 0;
    sorted.set(col);
    sorted.sort();
    const off = f * stride;
    const nb = binEdges(sorted, maxBins, thresholds, off);
    nBins[f] = nb;
    if (nb === 1) continue; // codes already 0
    for (let i = 0, k = f; i < nRows; i++, k += rowStride) codes[k] = binOf(col[i], thresholds, off, nb - 1);
  }
  return { nRows, nCols, stride, rowStride, codes, nBins, thresholds };
}
