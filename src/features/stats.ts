/**
 * Running statistics kept in a few slots of a Float64Array (no objects):
 * Welford mean/variance plus min and max. Layout at `o`: n, mean, m2, min, max.
 */
export const RUNNING_SLOTS = 5;

export function runningReset(d: Float64Array, o: number): void {
  d[o] = 0; d[o + 1] = 0; d[o + 2] = 0; d[o + 3] = Infinity; d[o + 4] = -Infinity;
}

export function runningAdd(d: Float64Array, o: number, x: number): void {
  const n = d[o] + 1;
  const delta = x - d[o + 1];
  const mean = d[o + 1] + delta / n;
  d[o] = n;
  d[o + 1] = mean;
  d[o + 2] += delta * (x - mean);
  if (x < d[o + 3]) d[o + 3] = x;
  if (x > d[o + 4]) d[o + 4] = x;
}

/** Writes mean, population std, min, max (NaN when empty) into out[k..k+3]. */
export function runningCollect(d: Float64Array, o: number, out: Float64Array, k: number, scale = 1): void {
  const n = d[o];
  if (n === 0) { out[k] = NaN; out[k + 1] = NaN; out[k + 2] = NaN; out[k + 3] = NaN; return; }
  out[k] = d[o + 1] * scale;
  out[k + 1] = Math.sqrt(d[o + 2] / n) * scale;
  out[k + 2] = d[o + 3] * scale;
  out[k + 3] = d[o + 4] * scale;
}
