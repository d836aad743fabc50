import type { PacketBatch } from '../capture/batch';
import { Packet } from './packet';

/** Why a record could not be turned into an IP packet with a flow key; 0 means decoded. */
export const enum Skip {
  None = 0,
  UnsupportedLinkType,
  NonIp,
  TruncatedLink,
  TruncatedIp,
  MalformedIp,
  TruncatedTransport,
  MalformedTransport,
}

/** Human names of the skip reasons, indexed by `Skip`, used in summaries. */
export const SKIP_REASONS = [
  'decoded',
  'unsupported link type',
  'not IP (ARP, LLDP, ...)',
  'truncated link header',
  'truncated IP header',
  'malformed IP header',
  'truncated transport header',
  'malformed transport header',
] as const;

const MAX_VLAN_TAGS = 4;
const MAX_IPV6_EXTENSIONS = 8;

/**
 * Decodes record `i` of `batch` into `p`, in place. Returns `Skip.None` when the packet
 * has an IP header (and a transport header unless it is a non-first fragment or an
 * unknown protocol), otherwise the reason it is skipped. Never throws on malformed
 * bytes: every read is bounds-checked against the captured length.
 */
export function decodeRecord(batch: PacketBatch, i: number, p: Packet): Skip {
  const buf = batch.buf;
  const start = batch.offset[i];
  const caplen = batch.caplen[i];
  p.buf = buf;
  p.start = start;
  p.caplen = caplen;
  p.wirelen = batch.wirelen[i];
  p.linkType = batch.linkType[i];
  p.tsSec = batch.tsSec[i];
  p.tsNsec = batch.tsNsec[i];
  p.ts = p.tsSec + p.tsNsec * 1e-9;
  p.ipVersion = 0;
  p.l4 = -1;
  p.protocol = 0;
  p.payloadLen = 0;
  p.payloadCaplen = 0;
  p.fragment = false;
  p.fragOffset = 0;
  p.moreFragments = false;
  p.srcPort = 0;
  p.dstPort = 0;
  p.tcpFlags = 0;
  p.icmpType = -1;
  p.icmpCode = -1;
  p.flow = -1;
  p.service = -1;
  const end = start + caplen;

  // Link layer: find the IP header and its version hint.
  let l3 = start;
  let ethType = 0;
  switch (p.linkType) {
    case 1: { // Ethernet, with up to four 802.1Q / 802.1ad tags
      if (caplen < 14) return Skip.TruncatedLink;
      ethType = (buf[start + 12] << 8) | buf[start + 13];
      l3 = start + 14;
      for (let tags = 0; (ethType === 0x8100 || ethType === 0x88a8 || ethType === 0x9100) && tags < MAX_VLAN_TAGS; tags++) {
        if (l3 + 4 > end) return Skip.TruncatedLink;
        ethType = (buf[l3 + 2] << 8) | buf[l3 + 3];
        l3 += 4;
      }
      break;
    }
    case 113: // Linux cooked capture v1: protocol at bytes 14-15
      if (caplen < 16) return Skip.TruncatedLink;
      ethType = (buf[start + 14] << 8) | buf[start + 15];
      l3 = start + 16;
      break;
    case 276: // Linux cooked capture v2: protocol at bytes 0-1
      if (caplen < 20) return Skip.TruncatedLink;
      ethType = (buf[start] << 8) | buf[start + 1];
      l3 = start + 20;
      break;
    case 0: { // BSD null: address family in the capturing host's byte order
      if (caplen < 4) return Skip.TruncatedLink;
      const fam = buf[start] !== 0 ? buf[start] | (buf[start + 1] << 8) : (buf[start + 2] << 8) | buf[start + 3];
      ethType = fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : 0;
      l3 = start + 4;
      break;
    }
    case 108: { // OpenBSD loopback: address family in network byte order
      if (caplen < 4) return Skip.TruncatedLink;
      const fam = (buf[start + 2] << 8) | buf[start + 3];
      ethType = fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : 0;
      l3 = start + 4;
      break;
    }
    case 101: case 12: case 14: // raw IP: the version nibble decides
      if (caplen < 1) return Skip.TruncatedLink;
      ethType = buf[start] >> 4 === 6 ? 0x86dd : buf[start] >> 4 === 4 ? 0x0800 : 0;
      if (ethType === 0) return Skip.MalformedIp;
      break;
    case 228:
      ethType = 0x0800;
      break;
    case 229:
      ethType = 0x86dd;
      break;
    default:
      return Skip.UnsupportedLinkType;
  }
  if (ethType === 0x0800) return decodeIpv4(p, buf, l3, end);
  if (ethType === 0x86dd) return decodeIpv6(p, buf, l3, end);
  return Skip.NonIp;
}

function decodeIpv4(p: Packet, buf: Uint8Array, l3: number, end: number): Skip {
  if (l3 + 20 > end) return Skip.TruncatedIp;
  const vihl = buf[l3];
  if (vihl >> 4 !== 4) return Skip.MalformedIp;
  const ihl = (vihl & 0x0f) << 2;
  if (ihl < 20) return Skip.MalformedIp;
  const total = (buf[l3 + 2] << 8) | buf[l3 + 3];
  // TSO/GRO captures show total length 0; fall back to what the wire carried.
  const ipLen = total !== 0 ? total : p.wirelen - (l3 - p.start);
  if (ipLen < ihl) return Skip.MalformedIp;
  if (l3 + ihl > end) return Skip.TruncatedIp;
  p.ipVersion = 4;
  p.l3 = l3;
  p.ipHeaderLen = ihl;
  p.ipLen = ipLen;
  p.ttl = buf[l3 + 8];
  p.protocol = buf[l3 + 9];
  p.srcAddr = l3 + 12;
  p.dstAddr = l3 + 16;
  const frag = (buf[l3 + 6] << 8) | buf[l3 + 7];
  p.moreFragments = (frag & 0x2000) !== 0;
  p.fragOffset = (frag & 0x1fff) << 3;
  p.fragment = p.moreFragments || p.fragOffset !== 0;
  if (p.fragOffset !== 0) {
    p.payloadLen = ipLen - ihl;
    return Skip.None;
  }
  return decodeTransport(p, buf, l3 + ihl, end, ipLen - ihl);
}

function decodeIpv6(p: Packet, buf: Uint8Array, l3: number, end: number): Skip {
  if (l3 + 40 > end) return Skip.TruncatedIp;
  if (buf[l3] >> 4 !== 6) return Skip.MalformedIp;
  const plen = (buf[l3 + 4] << 8) | buf[l3 + 5];
  p.ipVersion = 6;
  p.l3 = l3;
  p.ipLen = plen !== 0 ? 40 + plen : p.wirelen - (l3 - p.start); // 0: jumbogram or offloaded
  p.ttl = buf[l3 + 7];
  p.srcAddr = l3 + 8;
  p.dstAddr = l3 + 24;
  let next = buf[l3 + 6];
  let off = l3 + 40;
  for (let n = 0; n <= MAX_IPV6_EXTENSIONS; n++) {
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
      if (off + 2 > end) return Skip.TruncatedIp;
      const nh = buf[off];
      off += (buf[off + 1] + 1) << 3;
      next = nh;
    } else if (next === 51) { // AH: length in 4-byte units, minus 2
      if (off + 2 > end) return Skip.TruncatedIp;
      const nh = buf[off];
      off += (buf[off + 1] + 2) << 2;
      next = nh;
    } else if (next === 44) { // fragment header
      if (off + 8 > end) return Skip.TruncatedIp;
      const nh = buf[off];
      const fo = (buf[off + 2] << 8) | buf[off + 3];
      p.fragOffset = fo & 0xfff8;
      p.moreFragments = (fo & 1) !== 0;
      p.fragment = true;
      off += 8;
      next = nh;
    } else {
      break;
    }
    if (n === MAX_IPV6_EXTENSIONS) return Skip.MalformedIp;
  }
  const hdr = off - l3;
  if (hdr > p.ipLen) return Skip.MalformedIp;
  p.ipHeaderLen = hdr;
  p.protocol = next;
  if (p.fragOffset !== 0) {
    p.payloadLen = p.ipLen - hdr;
    return Skip.None;
  }
  return decodeTransport(p, buf, off, end, p.ipLen - hdr);
}

function decodeTransport(p: Packet, buf: Uint8Array, l4: number, end: number, l4Len: number): Skip {
  switch (p.protocol) {
    case 6: {
      if (l4 + 20 > end) return Skip.TruncatedTransport;
      const doff = (buf[l4 + 12] >> 4) << 2;
      if (doff < 20 || doff > l4Len) return Skip.MalformedTransport;
      p.l4 = l4;
      p.srcPort = (buf[l4] << 8) | buf[l4 + 1];
      p.dstPort = (buf[l4 + 2] << 8) | buf[l4 + 3];
      p.seq = ((buf[l4 + 4] << 24) | (buf[l4 + 5] << 16) | (buf[l4 + 6] << 8) | buf[l4 + 7]) >>> 0;
      p.ack = ((buf[l4 + 8] << 24) | (buf[l4 + 9] << 16) | (buf[l4 + 10] << 8) | buf[l4 + 11]) >>> 0;
      p.tcpFlags = buf[l4 + 13];
      p.window = (buf[l4 + 14] << 8) | buf[l4 + 15];
      p.tcpHeaderLen = doff;
      parseTcpOptions(p, buf, l4 + 20, Math.min(l4 + doff, end));
      p.payloadLen = l4Len - doff;
      p.payload = l4 + doff;
      p.payloadCaplen = Math.max(0, Math.min(end - p.payload, p.payloadLen));
      return Skip.None;
    }
    case 17: case 136: { // UDP, UDP-Lite
      if (l4 + 8 > end) return Skip.TruncatedTransport;
      if (l4Len < 8) return Skip.MalformedTransport;
      p.l4 = l4;
      p.srcPort = (buf[l4] << 8) | buf[l4 + 1];
      p.dstPort = (buf[l4 + 2] << 8) | buf[l4 + 3];
      p.payloadLen = l4Len - 8;
      p.payload = l4 + 8;
      p.payloadCaplen = Math.max(0, Math.min(end - p.payload, p.payloadLen));
      return Skip.None;
    }
    case 1: case 58: {
      if (l4 + 4 > end) return Skip.TruncatedTransport;
      p.l4 = l4;
      p.icmpType = buf[l4];
      p.icmpCode = buf[l4 + 1];
      p.payloadLen = Math.max(0, l4Len - 8);
      p.payload = l4 + 8;
      p.payloadCaplen = Math.max(0, Math.min(end - p.payload, p.payloadLen));
      return Skip.None;
    }
    default:
      // Other protocols (ESP, GRE, SCTP, ...) stay IP-level flows without ports.
      p.payloadLen = l4Len;
      p.payload = l4;
      p.payloadCaplen = Math.max(0, Math.min(end - l4, l4Len));
      return Skip.None;
  }
}

/** Reads MSS and window scale; counts malformed options instead of throwing. */
function parseTcpOptions(p: Packet, buf: Uint8Array, o: number, end: number): void {
  p.tcpWscale = -1;
  p.tcpMss = 0;
  p.tcpBadOptions = 0;
  while (o < end) {
    const kind = buf[o];
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    if (o + 1 >= end) { p.tcpBadOptions++; break; }
    const len = buf[o + 1];
    if (len < 2 || o + len > end) { p.tcpBadOptions++; break; }
    if (kind === 2 && len === 4) p.tcpMss = (buf[o + 2] << 8) | buf[o + 3];
    else if (kind === 3 && len === 3) p.tcpWscale = buf[o + 2];
    o += len;
  }
}
