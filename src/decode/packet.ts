/**
 * The reusable packet view: one instance is decoded in place for every packet, so a
 * feature class must read what it needs during `addPacket` and never keep the object.
 * Fields are plain numbers (no per-packet allocation); addresses stay in the capture
 * buffer and are read through offsets.
 */
export class Packet {
  /** Bytes of the current record (shared with the capture reader). */
  buf: Uint8Array = new Uint8Array(0);
  /** Start of the record's link-layer header in `buf`. */
  start = 0;
  caplen = 0;
  wirelen = 0;
  linkType = 0;
  /** Capture timestamp in seconds (double; sub-microsecond precision is kept in tsNsec). */
  ts = 0;
  tsSec = 0;
  tsNsec = 0;

  // Network layer.
  /** 4 or 6; 0 when the packet carries no IP. */
  ipVersion = 0;
  /** Offset of the IP header in `buf`. */
  l3 = 0;
  /** IP header length including IPv4 options or IPv6 extension headers. */
  ipHeaderLen = 0;
  /** Total IP length as the header says (IPv4 total length; IPv6 40 + payload length). */
  ipLen = 0;
  /** Offsets of the source and destination addresses in `buf` (4 or 16 bytes). */
  srcAddr = 0;
  dstAddr = 0;
  ttl = 0;
  /** Transport protocol number after the extension header chain (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  protocol = 0;
  /** True for any fragment; only the first (offset 0) fragment carries transport headers. */
  fragment = false;
  fragOffset = 0;
  moreFragments = false;

  // Transport layer.
  /** Offset of the transport header; -1 when absent (non-first fragment, unknown protocol). */
  l4 = -1;
  srcPort = 0;
  dstPort = 0;
  /** TCP */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  tcpHeaderLen = 0;
  /** Window-scale option of this segment (-1 when absent); MSS option (0 when absent). */
  tcpWscale = -1;
  tcpMss = 0;
  /** Number of TCP options that were malformed in this segment (counted, never thrown). */
  tcpBadOptions = 0;
  /** ICMP / ICMPv6 */
  icmpType = -1;
  icmpCode = -1;
  /** Transport payload length from the headers (correct on truncated captures). */
  payloadLen = 0;
  /** Offset of the transport payload in `buf`, and how many of its bytes were captured. */
  payload = 0;
  payloadCaplen = 0;

  // Set by the pipeline once the flow is known.
  /** Flow id (index into the flow table). */
  flow = -1;
  /** True when the packet goes from the local/client side to the remote/server side ("Out", upstream). */
  up = false;
  /** Service index the flow belongs to, -1 when none. */
  service = -1;

  /** The IPv4 source as a 32-bit unsigned number (ipVersion 4 only). */
  src4(): number {
    const b = this.buf, o = this.srcAddr;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  dst4(): number {
    const b = this.buf, o = this.dstAddr;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /** Length of each address in bytes (4 or 16). */
  get addrLen(): number {
    return this.ipVersion === 6 ? 16 : 4;
  }

  isTcp(): boolean { return this.protocol === 6 && this.l4 >= 0; }
  isUdp(): boolean { return this.protocol === 17 && this.l4 >= 0; }
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
