/**
 * A small, self-contained capture scanner used by the dataset code (Requet import: first
 * timestamp, device address) and by the dataset tests (independent re-parse of generated
 * captures). It reads classic pcap (both byte orders, micro/nanosecond) and pcapng (EPB/SPB),
 * and decodes Ethernet/SLL/raw-IP framing down to IPv4/IPv6 addresses and ports.
 * It is deliberately independent of the main capture reader.
 */
import { readFileSync } from 'node:fs';

export interface ScanRecord {
  ts: number;
  caplen: number;
  wirelen: number;
  linkType: number;
  data: Uint8Array;
}

export class CaptureFormatError extends Error {}

/** Iterates over the records of a pcap or pcapng buffer. Throws CaptureFormatError on a bad header. */
export function* scanRecords(buf: Uint8Array): Generator<ScanRecord> {
  if (buf.length < 4) throw new CaptureFormatError('file too short for a capture header');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) { yield* scanPcapng(buf, dv); return; }
  let le: boolean;
  let nano: boolean;
  if (magic === 0xd4c3b2a1) { le = true; nano = false; }
  else if (magic === 0x4d3cb2a1) { le = true; nano = true; }
  else if (magic === 0xa1b2c3d4) { le = false; nano = false; }
  else if (magic === 0xa1b23c4d) { le = false; nano = true; }
  else throw new CaptureFormatError(`not a pcap/pcapng file (magic 0x${magic.toString(16)})`);
  if (buf.length < 24) throw new CaptureFormatError('truncated pcap header');
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const scale = nano ? 1e-9 : 1e-6;
  let p = 24;
  while (p + 16 <= buf.length) {
    const sec = dv.getUint32(p, le);
    const frac = dv.getUint32(p + 4, le);
    const caplen = dv.getUint32(p + 8, le);
    const wirelen = dv.getUint32(p + 12, le);
    p += 16;
    if (caplen > 0x4000000 || p + caplen > buf.length) return; // truncated tail
    yield { ts: sec + frac * scale, caplen, wirelen, linkType, data: buf.subarray(p, p + caplen) };
    p += caplen;
  }
}

function* scanPcapng(buf: Uint8Array, dv: DataView): Generator<ScanRecord> {
  let p = 0;
  let le = true;
  const ifaces: { linkType: number; scale: number }[] = [];
  while (p + 12 <= buf.length) {
    let type = dv.getUint32(p, le);
    if (type === 0x0a0d0d0a) {
      const bom = dv.getUint32(p + 8, true);
      le = bom === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces.length = 0;
    }
    const len = dv.getUint32(p + 4, le);
    if (len < 12 || p + len > buf.length) return;
    if (type === 1 && len >= 20) {
      const linkType = dv.getUint16(p + 8, le);
      let scale = 1e-6;
      let o = p + 16;
      while (o + 4 <= p + len - 4) {
        const code = dv.getUint16(o, le), olen = dv.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = buf[o + 4];
          scale = v & 0x80 ? Math.pow(2, -(v & 0x7f)) : Math.pow(10, -(v & 0x7f));
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType, scale });
    } else if (type === 6 && len >= 32) {
      const iface = ifaces[dv.getUint32(p + 8, le)];
      const hi = dv.getUint32(p + 12, le), lo = dv.getUint32(p + 16, le);
      const caplen = dv.getUint32(p + 20, le), wirelen = dv.getUint32(p + 24, le);
      if (iface && p + 28 + caplen <= p + len) {
        yield { ts: (hi * 4294967296 + lo) * iface.scale, caplen, wirelen, linkType: iface.linkType, data: buf.subarray(p + 28, p + 28 + caplen) };
      }
    } else if (type === 3 && len >= 16) {
      const iface = ifaces[0];
      const wirelen = dv.getUint32(p + 8, le);
      const caplen = Math.min(wirelen, len - 16);
      if (iface) yield { ts: NaN, caplen, wirelen, linkType: iface.linkType, data: buf.subarray(p + 12, p + 12 + caplen) };
    }
    p += len;
  }
}

export interface ScanPacket {
  ts: number;
  wirelen: number;
  caplen: number;
  /** 4 or 6, or 0 when not IP. */
  ipVersion: number;
  src: string;
  dst: string;
  /** IP protocol (6 TCP, 17 UDP). */
  proto: number;
  /** IP total length from the header (IPv4) or 40 + payload length (IPv6). */
  ipLength: number;
  srcPort: number;
  dstPort: number;
  /** Offset of the L4 header in `data`, -1 if absent. */
  l4Offset: number;
  /** Offset of the L4 payload in `data`, -1 if absent. */
  payloadOffset: number;
  /** L4 payload length on the wire (from IP lengths), even when not captured. */
  payloadLength: number;
  data: Uint8Array;
  srcMac?: string;
}

function ip4(b: Uint8Array, o: number): string { return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`; }
function ip6(b: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[o + i] << 8) | b[o + i + 1]).toString(16));
  return g.join(':');
}
function mac(b: Uint8Array, o: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(b[o + i].toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Decodes the network and transport headers of a record; non-IP records get ipVersion 0. */
export function decodeRecord(r: ScanRecord): ScanPacket {
  const d = r.data;
  const pkt: ScanPacket = { ts: r.ts, wirelen: r.wirelen, caplen: r.caplen, ipVersion: 0, src: '', dst: '', proto: 0, ipLength: 0, srcPort: 0, dstPort: 0, l4Offset: -1, payloadOffset: -1, payloadLength: 0, data: d };
  let o = 0;
  let etherType = 0;
  if (r.linkType === 1) {
    if (d.length < 14) return pkt;
    pkt.srcMac = mac(d, 6);
    etherType = (d[12] << 8) | d[13]; o = 14;
    while ((etherType === 0x8100 || etherType === 0x88a8) && o + 4 <= d.length) { etherType = (d[o + 2] << 8) | d[o + 3]; o += 4; }
  } else if (r.linkType === 113) {
    if (d.length < 16) return pkt;
    etherType = (d[14] << 8) | d[15]; o = 16;
  } else if (r.linkType === 101 || r.linkType === 12 || r.linkType === 14) {
    if (d.length < 1) return pkt;
    etherType = (d[0] >> 4) === 6 ? 0x86dd : 0x0800;
  } else return pkt;
  if (etherType === 0x0800) {
    if (o + 20 > d.length || (d[o] >> 4) !== 4) return pkt;
    const ihl = (d[o] & 0x0f) * 4;
    pkt.ipVersion = 4;
    pkt.ipLength = (d[o + 2] << 8) | d[o + 3];
    pkt.proto = d[o + 9];
    pkt.src = ip4(d, o + 12); pkt.dst = ip4(d, o + 16);
    const fragOff = ((d[o + 6] & 0x1f) << 8) | d[o + 7];
    if (fragOff !== 0) return pkt;
    l4(pkt, d, o + ihl, pkt.ipLength - ihl);
  } else if (etherType === 0x86dd) {
    if (o + 40 > d.length) return pkt;
    pkt.ipVersion = 6;
    const plen = (d[o + 4] << 8) | d[o + 5];
    pkt.ipLength = 40 + plen;
    pkt.proto = d[o + 6];
    pkt.src = ip6(d, o + 8); pkt.dst = ip6(d, o + 24);
    l4(pkt, d, o + 40, plen);
  }
  return pkt;
}

function l4(pkt: ScanPacket, d: Uint8Array, o: number, l4Len: number): void {
  if (pkt.proto === 6) {
    if (o + 20 > d.length) return;
    pkt.l4Offset = o;
    pkt.srcPort = (d[o] << 8) | d[o + 1]; pkt.dstPort = (d[o + 2] << 8) | d[o + 3];
    const hl = (d[o + 12] >> 4) * 4;
    pkt.payloadOffset = o + hl;
    pkt.payloadLength = Math.max(0, l4Len - hl);
  } else if (pkt.proto === 17) {
    if (o + 8 > d.length) return;
    pkt.l4Offset = o;
    pkt.srcPort = (d[o] << 8) | d[o + 1]; pkt.dstPort = (d[o + 2] << 8) | d[o + 3];
    pkt.payloadOffset = o + 8;
    pkt.payloadLength = Math.max(0, l4Len - 8);
  }
}

/** All decoded packets of a capture file. */
export function scanFile(path: string): ScanPacket[] {
  const out: ScanPacket[] = [];
  for (const r of scanRecords(readFileSync(path))) out.push(decodeRecord(r));
  return out;
}

/** First record timestamp of a capture (NaN if it holds no timestamped record). */
export function firstTimestamp(buf: Uint8Array): number {
  for (const r of scanRecords(buf)) if (Number.isFinite(r.ts)) return r.ts;
  return NaN;
}

/**
 * The address seen in the most packets (as source or destination): in a capture taken at or near
 * one device, that device.
 */
export function dominantAddress(buf: Uint8Array): string | undefined {
  const counts = new Map<string, number>();
  for (const r of scanRecords(buf)) {
    const p = decodeRecord(r);
    if (!p.ipVersion) continue;
    counts.set(p.src, (counts.get(p.src) ?? 0) + 1);
    counts.set(p.dst, (counts.get(p.dst) ?? 0) + 1);
  }
  let best: string | undefined;
  let n = -1;
  for (const [a, c] of counts) if (c > n || (c === n && best !== undefined && a < best)) { best = a; n = c; }
  return best;
}
