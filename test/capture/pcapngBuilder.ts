/**
 * A small pcapng writer for tests (independent of the reader): sections in either byte order,
 * interfaces with if_tsresol / if_tsoffset, EPB, SPB, obsolete PB and arbitrary blocks.
 */
export interface IfaceOptions {
  snaplen?: number;
  /** Raw if_tsresol byte (e.g. 9 = ns, 0x80 | 20 = 2^-20 s). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
}

export class PcapngBuilder {
  private readonly parts: Uint8Array[] = [];
  private le = true;

  /** Starts a section (SHB) in the given byte order. */
  section(littleEndian = true, major = 1): this {
    this.le = littleEndian;
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, littleEndian);
    v.setUint16(4, major, littleEndian);
    v.setUint16(6, 0, littleEndian);
    v.setBigInt64(8, -1n, littleEndian);
    return this.block(0x0a0d0d0a, body);
  }

  interface(linkType: number, o: IfaceOptions = {}): this {
    const opts: Uint8Array[] = [];
    if (o.tsresol !== undefined) opts.push(this.option(9, Uint8Array.of(o.tsresol)));
    if (o.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, o.tsoffset, this.le);
      opts.push(this.option(14, b));
    }
    if (opts.length) opts.push(this.option(0, new Uint8Array(0)));
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, linkType, this.le);
    v.setUint32(4, o.snaplen ?? 0, this.le);
    return this.block(1, concat(head, ...opts));
  }

  /** Enhanced Packet Block; `ts` in the interface's units. */
  epb(ifid: number, ts: bigint, data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint32(0, ifid, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, origLen, this.le);
    // An option after the data (epb_flags) exercises the option area.
    const flags = this.option(2, new Uint8Array(4));
    return this.block(6, concat(head, pad4(data), flags, this.option(0, new Uint8Array(0))));
  }

  /** Obsolete Packet Block (type 2). */
  pb(ifid: number, ts: bigint, data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint16(0, ifid, this.le);
    v.setUint16(2, 0, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, origLen, this.le);
    return this.block(2, concat(head, pad4(data)));
  }

  /** Simple Packet Block (interface 0, no timestamp). */
  spb(data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, origLen, this.le);
    return this.block(3, concat(head, pad4(data)));
  }

  /** Any block: type, body (padded to 4), with its two length fields. */
  block(type: number, body: Uint8Array, trailerDelta = 0): this {
    const b = pad4(body);
    const total = 12 + b.length;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, total, this.le);
    out.set(b, 8);
    v.setUint32(total - 4, total + trailerDelta, this.le);
    this.parts.push(out);
    return this;
  }

  /** Raw bytes appended as they are. */
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  /** Bytes written so far (the offset of the next block). */
  get size(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  bytes(): Uint8Array {
    return concat(...this.parts);
  }

  private option(code: number, value: Uint8Array): Uint8Array {
    const h = new Uint8Array(4);
    const v = new DataView(h.buffer);
    v.setUint16(0, code, this.le);
    v.setUint16(2, value.length, this.le);
    return concat(h, pad4(value));
  }
}

function pad4(b: Uint8Array): Uint8Array {
  const n = (b.length + 3) & ~3;
  if (n === b.length) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
