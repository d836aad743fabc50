/** An append-only Float64 column that doubles its storage as it grows. */
export class Float64Column {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }

  /** A view of the values (shares memory until the next push that grows). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
