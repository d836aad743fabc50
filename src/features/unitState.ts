/**
 * Per-unit numeric state in one flat Float64Array: `stride` numbers per unit, grown by
 * doubling. Built-in feature classes keep their state here; a user's class may use it
 * too, or plain objects: the feature interface does not care.
 */
export class UnitState {
  data: Float64Array;
  private units: number;

  constructor(readonly stride: number, initialUnits = 16) {
    this.units = initialUnits;
    this.data = new Float64Array(stride * initialUnits);
  }

  /** Makes sure `unit` fits, then fills its slots with `fill` (0 by default). */
  ensure(unit: number, fill = 0): void {
    if (unit >= this.units) {
      let n = this.units * 2;
      while (n <= unit) n *= 2;
      const d = new Float64Array(this.stride * n);
      d.set(this.data);
      this.data = d;
      this.units = n;
    }
    this.data.fill(fill, unit * this.stride, (unit + 1) * this.stride);
  }

  /** Sets slots [from, to) of `unit` to `value`. */
  fill(unit: number, value: number, from = 0, to = this.stride): void {
    this.data.fill(value, unit * this.stride + from, unit * this.stride + to);
  }

  bytes(): number {
    return this.data.byteLength;
  }
}
