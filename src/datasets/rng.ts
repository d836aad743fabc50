/**
 * Seeded pseudo-random numbers for the dataset generator (sfc32 seeded through splitmix32).
 * Never Math.random: the same seed must give byte-identical datasets.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** `seed` and `stream` together pick an independent sequence (e.g. stream = session index). */
  constructor(seed: number, stream = 0) {
    const mix = splitmix32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((stream >>> 0) + 0x632be5ab, 0x85ebca77)) >>> 0);
    this.a = mix(); this.b = mix(); this.c = mix(); this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number { return this.u32() / 4294967296; }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  bool(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]; }
  /** Picks by weight; `items` are [value, weight] pairs. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [v, w] of items) { if ((r -= w) < 0) return v; }
    return items[items.length - 1][0];
  }
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return mean + sd * s; }
    let u = 0, v = 0, s = 0;
    do { u = this.next() * 2 - 1; v = this.next() * 2 - 1; s = u * u + v * v; } while (s >= 1 || s === 0);
    const m = Math.sqrt(-2 * Math.log(s) / s);
    this.spare = v * m;
    return mean + sd * u * m;
  }
  /** Log-normal with the given median and log-space standard deviation. */
  lognormal(median: number, sigma: number): number { return median * Math.exp(sigma * this.normal()); }
  exponential(mean: number): number { return -mean * Math.log(1 - this.next()); }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }
  /** A child generator whose sequence depends on this one's state and `label`. */
  fork(label: number): Rng { return new Rng(this.u32(), label); }
}
