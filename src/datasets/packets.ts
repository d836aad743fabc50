/**
 * Builders for hand-made packets: Ethernet (optional VLAN tags), IPv4, IPv6, TCP and UDP.
 * The dataset generator and the tests use them to make captures whose truth is known.
 */

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export function ipv4(addr: string): Uint8Array {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 address: ${addr}`);
  return Uint8Array.from(parts);
}

export function ipv6(addr: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':').filter(Boolean) : [];
  const t = tail ? tail.split(':').filter(Boolean) : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 address: ${addr}`);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function checksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return (~sum) & 0xffff;
}

export interface EthernetOptions { src?: string; dst?: string; vlans?: number[]; /** 0x8100 or 0x88a8 per tag */ tpids?: number[] }

function mac(s: string): Uint8Array { return Uint8Array.from(s.split(':').map((x) => parseInt(x, 16))); }

export function ethernet(payload: Uint8Array, etherType: number, o: EthernetOptions = {}): Uint8Array {
  const vlans = o.vlans ?? [];
  const head = new Uint8Array(14 + 4 * vlans.length);
  head.set(mac(o.dst ?? '02:00:00:00:00:02'), 0);
  head.set(mac(o.src ?? '02:00:00:00:00:01'), 6);
  let p = 12;
  vlans.forEach((vid, i) => {
    const tpid = o.tpids?.[i] ?? 0x8100;
    head[p] = tpid >> 8; head[p + 1] = tpid & 0xff; head[p + 2] = (vid >> 8) & 0x0f; head[p + 3] = vid & 0xff; p += 4;
  });
  head[p] = etherType >> 8; head[p + 1] = etherType & 0xff;
  return concat(head, payload);
}

export interface Ipv4Options {
  src: string; dst: string; protocol: number; ttl?: number; id?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragOffset?: number; moreFragments?: boolean; dontFragment?: boolean;
  /** Raw option bytes (padded to 4). */
  options?: Uint8Array;
  /** Total length to write in the header, when it should differ from the bytes given (truncated captures). */
  totalLength?: number;
}

export function ipv4Packet(payload: Uint8Array, o: Ipv4Options): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const h = new Uint8Array(20 + optLen);
  h[0] = 0x40 | ((20 + optLen) >> 2);
  const total = o.totalLength ?? h.length + payload.length;
  h[2] = total >> 8; h[3] = total & 0xff;
  const id = o.id ?? 0;
  h[4] = id >> 8; h[5] = id & 0xff;
  const frag = ((o.fragOffset ?? 0) >> 3) | (o.moreFragments ? 0x2000 : 0) | (o.dontFragment ? 0x4000 : 0);
  h[6] = frag >> 8; h[7] = frag & 0xff;
  h[8] = o.ttl ?? 64; h[9] = o.protocol;
  h.set(ipv4(o.src), 12); h.set(ipv4(o.dst), 16);
  h.set(opts, 20);
  const c = checksum(h); h[10] = c >> 8; h[11] = c & 0xff;
  return concat(h, payload);
}

export interface Ipv6Options {
  src: string; dst: string; nextHeader: number; hopLimit?: number;
  /** Extension headers, each `{ type, body }` where body excludes the next-header/length bytes. */
  extensions?: { type: number; body: Uint8Array }[];
  payloadLength?: number;
}

export function ipv6Packet(payload: Uint8Array, o: Ipv6Options): Uint8Array {
  const exts = o.extensions ?? [];
  const extBytes: Uint8Array[] = [];
  exts.forEach((e, i) => {
    const next = i + 1 < exts.length ? exts[i + 1].type : o.nextHeader;
    if (e.type === 44) {
      // Fragment header: fixed 8 bytes, second byte reserved.
      const b = new Uint8Array(8); b[0] = next; b.set(e.body.subarray(0, 6), 2); extBytes.push(b);
    } else {
      const len = (2 + e.body.length + 7) & ~7;
      const b = new Uint8Array(len); b[0] = next; b[1] = len / 8 - 1; b.set(e.body, 2); extBytes.push(b);
    }
  });
  const ext = concat(...extBytes);
  const h = new Uint8Array(40);
  h[0] = 0x60;
  const plen = o.payloadLength ?? ext.length + payload.length;
  h[4] = plen >> 8; h[5] = plen & 0xff;
  h[6] = exts.length ? exts[0].type : o.nextHeader;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6(o.src), 8); h.set(ipv6(o.dst), 24);
  return concat(h, ext, payload);
}

export interface TcpOptions {
  srcPort: number; dstPort: number; seq?: number; ack?: number; flags?: number; window?: number; urgent?: number;
  /** Raw option bytes (padded to 4). */
  options?: Uint8Array;
}

export function tcpSegment(payload: Uint8Array, o: TcpOptions): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const h = new Uint8Array(20 + optLen);
  const v = new DataView(h.buffer);
  v.setUint16(0, o.srcPort); v.setUint16(2, o.dstPort);
  v.setUint32(4, (o.seq ?? 0) >>> 0); v.setUint32(8, (o.ack ?? 0) >>> 0);
  h[12] = ((20 + optLen) >> 2) << 4; h[13] = o.flags ?? TcpFlag.ACK;
  v.setUint16(14, o.window ?? 65535); v.setUint16(18, o.urgent ?? 0);
  h.set(opts, 20);
  if (optLen > opts.length) h.fill(1, 20 + opts.length); // NOP padding
  return concat(h, payload);
}

export function udpDatagram(payload: Uint8Array, srcPort: number, dstPort: number): Uint8Array {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, srcPort); v.setUint16(2, dstPort); v.setUint16(4, 8 + payload.length);
  return concat(h, payload);
}

/** TCP options: MSS, window scale, SACK-permitted, timestamps. */
export const tcpOption = {
  mss: (v: number) => Uint8Array.of(2, 4, v >> 8, v & 0xff),
  windowScale: (shift: number) => Uint8Array.of(3, 3, shift),
  sackPermitted: () => Uint8Array.of(4, 2),
  nop: () => Uint8Array.of(1),
};

/** A whole Ethernet/IPv4/TCP frame. */
export function tcp4Frame(src: string, dst: string, tcp: TcpOptions, payload: Uint8Array = new Uint8Array(0), eth: EthernetOptions = {}): Uint8Array {
  return ethernet(ipv4Packet(tcpSegment(payload, tcp), { src, dst, protocol: 6 }), 0x0800, eth);
}

/** A whole Ethernet/IPv4/UDP frame. */
export function udp4Frame(src: string, dst: string, srcPort: number, dstPort: number, payload: Uint8Array, eth: EthernetOptions = {}): Uint8Array {
  return ethernet(ipv4Packet(udpDatagram(payload, srcPort, dstPort), { src, dst, protocol: 17 }), 0x0800, eth);
}
