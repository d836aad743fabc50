/**
 * A binary min-heap of open bins keyed by their end time (typed arrays, no objects), so
 * closing the bins whose end capture time has passed costs O(log n) per bin instead of a
 * scan of every unit at every sweep. Entries can go stale (the bin was emitted when its
 * unit's next packet arrived, or the unit ended): the consumer checks and skips those.
 */
export class BinHeap {
  private end = new Float64Array(1024);
  private unit = new Int32Array(1024);
  private bin = new Uint8Array(1024);
  size = 0;

  push(end: number, unit: number, bin: number): void {
    if (this.size === this.end.length) this.grow();
    let i = this.size++;
    const e = this.end, u = this.unit, b = this.bin;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (e[parent] <= end) break;
      e[i] = e[parent]; u[i] = u[parent]; b[i] = b[parent];
      i = parent;
    }
    e[i] = end; u[i] = unit; b[i] = bin;
  }

  /** End time of the earliest bin (Infinity when empty). */
  peekEnd(): number {
    return this.size ? this.end[0] : Infinity;
  }

  /** Removes the earliest entry; read `topUnit`/`topBin`/`peekEnd()` before calling. */
  pop(): void {
    const e = this.end, u = this.unit, b = this.bin;
    const n = --this.size;
    if (n === 0) return;
    const le = e[n], lu = u[n], lb = b[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && e[c + 1] < e[c]) c++;
      if (e[c] >= le) break;
      e[i] = e[c]; u[i] = u[c]; b[i] = b[c];
      i = c;
    }
    e[i] = le; u[i] = lu; b[i] = lb;
  }

  get topUnit(): number { return this.unit[0]; }
  get topBin(): number { return this.bin[0]; }

  bytes(): number {
    return this.end.byteLength + this.unit.byteLength + this.bin.byteLength;
  }

  private grow(): void {
    const n = this.end.length * 2;
    const e = new Float64Array(n); e.set(this.end); this.end = e;
    const u = new Int32Array(n); u.set(this.unit); this.unit = u;
    const b = new Uint8Array(n); b.set(this.bin); this.bin = b;
  }
}
