import type { Packet } from '../decode/packet';
import type { ServiceMap } from './serviceMap';
import { parseTlsClientHelloSni } from './quic/tls';
import { parseClientInitial } from './quic/initial';
import { gquicChloSni } from './gquic';

/** Server name from a TLS ClientHello at the start of a TCP payload. */
export function tlsSni(p: Packet): string | null {
  if (p.protocol !== 6 || p.payloadCaplen < 6 || p.buf[p.payload] !== 0x16) return null;
  const r = parseTlsClientHelloSni(p.buf.subarray(p.payload, p.payload + p.payloadCaplen));
  return r.sni ?? null;
}

/**
 * Server name from a QUIC v1 client Initial (decrypted with the RFC 9001 initial keys), or
 * from a Google QUIC client hello, which carries it in the clear.
 */
export function quicSni(p: Packet): string | null {
  if (p.protocol !== 17 || p.payloadCaplen < 30) return null;
  // Long header with the fixed bit; Initial packets are padded to at least 1200 bytes.
  if ((p.buf[p.payload] & 0xc0) !== 0xc0) return gquicChloSni(p.buf, p.payload, p.payloadCaplen);
  const r = parseClientInitial(p.buf.subarray(p.payload, p.payload + p.payloadCaplen));
  return 'error' in r ? null : r.sni ?? null;
}

/**
 * Installs the SNI extractors (TLS ClientHello over TCP, QUIC Initial over UDP) on a
 * service map. Kept apart so the map itself does not depend on the TLS/QUIC parsers.
 */
export function installDefaultSniExtractors(map: ServiceMap): void {
  map.sniExtractors.push(tlsSni, quicSni);
}
