import { parseAddress } from '../flows/address';

/**
 * Longest-prefix match for IPv4 and IPv6 prefixes. One map per prefix length, probed
 * from the longest length down; used when a flow is created, not per packet.
 * (The original compared only the first prefix of a service; every prefix counts here.)
 */
export class PrefixMatcher {
  private readonly v4 = new Map<number, Map<number, number>>();
  private readonly v6 = new Map<number, Map<string, number>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];

  /** Adds `prefix` ("a.b.c.d/n" or "x::/n", a bare address means a host route). Throws on a bad prefix. */
  add(prefix: string, value: number): void {
    const [addr, lenText] = prefix.trim().split('/');
    const parsed = parseAddress(addr);
    if (!parsed) throw new Error(`bad IP prefix "${prefix}": "${addr}" is not an address`);
    const max = parsed.version === 4 ? 32 : 128;
    const len = lenText === undefined ? max : Number(lenText);
    if (!Number.isInteger(len) || len < 0 || len > max) throw new Error(`bad IP prefix "${prefix}": length must be 0..${max}`);
    if (parsed.version === 4) {
      const key = maskV4(v4Word(parsed.bytes, 0), len);
      let m = this.v4.get(len);
      if (!m) { m = new Map(); this.v4.set(len, m); this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a); }
      if (!m.has(key)) m.set(key, value);
    } else {
      const key = maskV6(parsed.bytes, 0, len);
      let m = this.v6.get(len);
      if (!m) { m = new Map(); this.v6.set(len, m); this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a); }
      if (!m.has(key)) m.set(key, value);
    }
  }

  /** The value of the longest prefix containing the address at `buf[o]`, or -1. */
  lookup(buf: Uint8Array, o: number, version: number): number {
    if (version === 4) {
      const a = v4Word(buf, o);
      for (const len of this.v4Lengths) {
        const v = this.v4.get(len)!.get(maskV4(a, len));
        if (v !== undefined) return v;
      }
      return -1;
    }
    for (const len of this.v6Lengths) {
      const v = this.v6.get(len)!.get(maskV6(buf, o, len));
      if (v !== undefined) return v;
    }
    return -1;
  }

  get empty(): boolean { return this.v4Lengths.length === 0 && this.v6Lengths.length === 0; }
}

function v4Word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function maskV4(a: number, len: number): number {
  return len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
}

function maskV6(b: Uint8Array, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, len - 8 * i));
    const v = bits === 0 ? 0 : b[o + i] & (0xff << (8 - bits)) & 0xff;
    s += v.toString(16).padStart(2, '0');
  }
  return s;
}
