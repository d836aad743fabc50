/**
 * Text lines written straight as UTF-8 bytes into one reused buffer, with each line's byte
 * length: what row encoders fill and writers, workers and split runs pass around. Numbers
 * and ASCII strings are written byte by byte, with no intermediate strings (a row of ~130
 * fields built by string concatenation left ~130 pieces of garbage behind it).
 */
const utf8 = new TextEncoder();
const DIGITS = new Uint8Array(10);

/** A 32-bit integer's digits at `p` of `b` (room made by the caller); the new end. */
export function putInt(b: Uint8Array, p: number, v: number): number {
  if (v < 0) {
    if (v === -2147483648) return putAscii(b, p, '-2147483648');
    b[p++] = 45;
    v = -v;
  }
  let n = 0;
  do { const q = (v / 10) | 0; DIGITS[n++] = 48 + v - q * 10; v = q; } while (v > 0);
  while (n > 0) b[p++] = DIGITS[--n];
  return p;
}

/** An ASCII string (a number as JavaScript prints it) at `p` of `b`; the new end. */
export function putAscii(b: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

export class ByteLines {
  buf: Uint8Array;
  /** End of the bytes written. */
  pos = 0;
  /** Lines completed so far, and each one's byte length. */
  count = 0;
  lengths: Int32Array;
  private lineStart = 0;

  constructor(capacity = 1 << 17) {
    this.buf = new Uint8Array(capacity);
    this.lengths = new Int32Array(1024);
  }

  /** Bytes of the completed lines. */
  get size(): number {
    return this.lineStart;
  }

  /** Room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  /** A string as UTF-8 (ASCII byte by byte; anything else through TextEncoder). */
  string(s: string): void {
    const n = s.length;
    this.room(3 * n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) { p += utf8.encodeInto(s.slice(i), b.subarray(p)).written; break; }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** Bytes `from`..`to` of `src`. */
  bytes(src: Uint8Array, from: number, to: number): void {
    this.room(to - from);
    const b = this.buf;
    let p = this.pos;
    // A split run hands over whole lines (~0.5 kB each): a copy call beats a byte loop ~10x there.
    if (to - from > 64) { b.set(src.subarray(from, to), p); this.pos = p + to - from; return; }
    for (let i = from; i < to; i++) b[p++] = src[i];
    this.pos = p;
  }

  /** A number as JavaScript prints it (`String(v)`); integers of 32 bits without a string. */
  number(v: number): void {
    if (v !== (v | 0)) { this.string('' + v); return; }
    this.room(12);
    this.pos = putInt(this.buf, this.pos, v);
  }

  /** Ends the current line (its newline included). */
  endLine(): void {
    this.byte(10);
    if (this.count === this.lengths.length) {
      const l = new Int32Array(this.lengths.length * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    this.lengths[this.count++] = this.pos - this.lineStart;
    this.lineStart = this.pos;
  }

  /** The completed lines (views of this buffer: valid until the next `clear`). */
  view(): { lines: Uint8Array; lengths: Int32Array } {
    return { lines: this.buf.subarray(0, this.lineStart), lengths: this.lengths.subarray(0, this.count) };
  }

  /** The completed lines in buffers of their own (to transfer to another thread), then cleared. */
  take(): { lines: Uint8Array; lengths: Int32Array } {
    const out = { lines: this.buf.slice(0, this.lineStart), lengths: this.lengths.slice(0, this.count) };
    this.clear();
    return out;
  }

  /** Drops everything written, a line being written included (for users of the bytes alone). */
  reset(): void {
    this.pos = this.lineStart = this.count = 0;
  }

  /** Drops the completed lines (a line being written moves to the front). */
  clear(): void {
    if (this.pos > this.lineStart) this.buf.copyWithin(0, this.lineStart, this.pos);
    this.pos -= this.lineStart;
    this.lineStart = 0;
    this.count = 0;
  }
}
