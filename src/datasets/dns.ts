/**
 * DNS messages for the dataset generator: a query and a response with a CNAME chain and A records,
 * written with name compression (RFC 1035 §4.1.4) like real resolvers do.
 */
import { ipv4 } from './packets';

export const DNS_TYPE_A = 1;
export const DNS_TYPE_CNAME = 5;
export const DNS_TYPE_AAAA = 28;

class NameWriter {
  private readonly out: number[] = [];
  private readonly suffixes = new Map<string, number>();

  get length(): number { return this.out.length; }
  u8(v: number): void { this.out.push(v & 0xff); }
  u16(v: number): void { this.out.push((v >> 8) & 0xff, v & 0xff); }
  u32(v: number): void { this.u16(Math.floor(v / 65536) & 0xffff); this.u16(v & 0xffff); }
  bytes(b: Uint8Array): void { for (const x of b) this.out.push(x); }
  at(offset: number, v: number): void { this.out[offset] = (v >> 8) & 0xff; this.out[offset + 1] = v & 0xff; }

  /** Writes a domain name, replacing the longest already-written suffix by a pointer. */
  name(name: string): void {
    const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.suffixes.get(suffix);
      if (at !== undefined) { this.u16(0xc000 | at); return; }
      if (this.out.length < 0x3fff) this.suffixes.set(suffix, this.out.length);
      const bytes = Buffer.from(labels[i], 'latin1');
      if (bytes.length > 63) throw new Error(`DNS label too long: ${labels[i]}`);
      this.u8(bytes.length);
      this.bytes(bytes);
    }
    this.u8(0);
  }
  finish(): Uint8Array { return Uint8Array.from(this.out); }
}

export function buildDnsQuery(id: number, qname: string, qtype = DNS_TYPE_A): Uint8Array {
  const w = new NameWriter();
  w.u16(id); w.u16(0x0100); w.u16(1); w.u16(0); w.u16(0); w.u16(0);
  w.name(qname); w.u16(qtype); w.u16(1);
  return w.finish();
}

export interface DnsAnswerSpec {
  /** CNAME chain after the queried name: qname -> cnames[0] -> cnames[1] ... */
  cnames?: string[];
  /** A records for the last name of the chain. */
  addresses?: string[];
  ttl?: number;
  cnameTtl?: number;
  /** RCODE (0 = NOERROR, 3 = NXDOMAIN). */
  rcode?: number;
}

export function buildDnsResponse(id: number, qname: string, a: DnsAnswerSpec, qtype = DNS_TYPE_A): Uint8Array {
  const cnames = a.cnames ?? [];
  const addrs = qtype === DNS_TYPE_A ? a.addresses ?? [] : [];
  const w = new NameWriter();
  w.u16(id); w.u16(0x8180 | ((a.rcode ?? 0) & 0xf)); w.u16(1); w.u16(cnames.length + addrs.length); w.u16(0); w.u16(0);
  w.name(qname); w.u16(qtype); w.u16(1);
  let owner = qname;
  for (const target of cnames) {
    w.name(owner); w.u16(DNS_TYPE_CNAME); w.u16(1); w.u32(a.cnameTtl ?? a.ttl ?? 300);
    const lenAt = w.length; w.u16(0);
    const start = w.length;
    w.name(target);
    w.at(lenAt, w.length - start);
    owner = target;
  }
  for (const addr of addrs) {
    w.name(owner); w.u16(DNS_TYPE_A); w.u16(1); w.u32(a.ttl ?? 300); w.u16(4); w.bytes(ipv4(addr));
  }
  return w.finish();
}
