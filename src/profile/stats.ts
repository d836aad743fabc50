/** Order statistics used by the profiler (linear interpolation between closest ranks). */

/** The q-quantile (0..1) of ascending-sorted values; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const pos = Math.min(1, Math.max(0, q)) * (n - 1);
  const lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Distribution {
  n: number;
  mean: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** Mean, median, p95, p99, min and max of the finite values (NaN fields when there are none). */
export function distribution(values: ArrayLike<number>): Distribution {
  const v = Float64Array.from(Array.prototype.filter.call(values, (x: number) => Number.isFinite(x)) as number[]).sort();
  const n = v.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  return {
    n,
    mean: n ? sum / n : NaN,
    median: quantileSorted(v, 0.5),
    p95: quantileSorted(v, 0.95),
    p99: quantileSorted(v, 0.99),
    min: n ? v[0] : NaN,
    max: n ? v[n - 1] : NaN,
  };
}

/** An append-only Float64 buffer (grows by doubling). */
export class Float64Buffer {
  private data = new Float64Array(256);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
