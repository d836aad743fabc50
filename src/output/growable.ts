/** An append-only Float64 column that doubles its storage as it grows. */
export class Float64Column {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }

  /** A column over `values` (taken as is, not copied). */
  static wrap(values: Float64Array): Float64Column {
    const c = new Float64Column(0);
    c.data = values.length ? values : new Float64Array(256);
    c.length = values.length;
    return c;
  }

  /** Appends every value of `src` (NaN-filled `count` values when `src` is null). */
  pushAll(src: Float64Array | null, count: number): void {
    const need = this.length + count;
    this.reserve(need);
    if (src) this.data.set(src.subarray(0, count), this.length);
    else this.data.fill(NaN, this.length, need);
    this.length = need;
  }

  /** The backing array (its first `length` values are the column; FeatureTable writes rows into it directly). */
  get array(): Float64Array {
    return this.data;
  }

  /** Makes room for at least `n` values without changing the length (doubling: amortized O(1) appends). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const d = new Float64Array(Math.max(n, 256, this.data.length * 2));
    d.set(this.data);
    this.data = d;
  }

  /** A view of the values (shares memory until the next push that grows). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
