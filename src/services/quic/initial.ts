/**
 * QUIC version 1 Initial packet protection (RFC 9001 §5), with node:crypto only.
 *
 * - `initialKeys(dcid, side)`: HKDF-Extract with the v1 salt, then HKDF-Expand-Label
 *   "client in"/"server in", "quic key", "quic iv", "quic hp".
 * - `protectInitial` / `protectClientInitial`: builds a protected Initial packet (AES-128-GCM payload,
 *   AES-128-ECB header protection mask).
 * - `parseClientInitial`: removes header protection, decrypts, walks the frames, reassembles the
 *   CRYPTO stream and reads the ClientHello's server_name. Never throws on malformed input.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { parseClientHelloMessage, SniFailure } from './tls';

export const QUIC_V1 = 0x00000001;
export const INITIAL_SALT_V1 = Uint8Array.from(Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'));

export interface InitialKeys {
  secret: Uint8Array;
  key: Uint8Array;
  iv: Uint8Array;
  hp: Uint8Array;
}

export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', salt).update(ikm).digest());
}

export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let prev = new Uint8Array(0);
  let filled = 0;
  for (let i = 1; filled < length; i++) {
    const h = createHmac('sha256', prk);
    h.update(prev); h.update(info); h.update(Uint8Array.of(i));
    prev = new Uint8Array(h.digest());
    const n = Math.min(prev.length, length - filled);
    out.set(prev.subarray(0, n), filled);
    filled += n;
  }
  return out;
}

/** The HkdfLabel structure of TLS 1.3 (RFC 8446 §7.1) with an empty context. */
export function hkdfLabel(label: string, length: number, context: Uint8Array = new Uint8Array(0)): Uint8Array {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const out = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  out[0] = length >> 8; out[1] = length & 0xff;
  out[2] = full.length; out.set(full, 3);
  out[3 + full.length] = context.length; out.set(context, 4 + full.length);
  return out;
}

export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Uint8Array {
  return hkdfExpand(secret, hkdfLabel(label, length), length);
}

/** Initial secrets and keys for one direction, derived from the client's first Destination Connection ID. */
export function initialKeys(dcid: Uint8Array, side: 'client' | 'server' = 'client'): InitialKeys {
  const initialSecret = hkdfExtract(INITIAL_SALT_V1, dcid);
  const secret = hkdfExpandLabel(initialSecret, side === 'client' ? 'client in' : 'server in', 32);
  return {
    secret,
    key: hkdfExpandLabel(secret, 'quic key', 16),
    iv: hkdfExpandLabel(secret, 'quic iv', 12),
    hp: hkdfExpandLabel(secret, 'quic hp', 16),
  };
}

export function headerProtectionMask(hp: Uint8Array, sample: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', hp, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(sample.subarray(0, 16)));
}

function nonce(iv: Uint8Array, pn: number): Uint8Array {
  const n = Uint8Array.from(iv);
  // Packet numbers are < 2^62; JS bit ops are 32-bit so split the number.
  let v = pn;
  for (let i = 11; i >= 4 && v > 0; i--) { n[i] ^= v % 256; v = Math.floor(v / 256); }
  return n;
}

// --- variable-length integers (RFC 9000 §16) ---

export function varintLength(v: number): number {
  return v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 8;
}

export function encodeVarint(v: number, length = varintLength(v)): Uint8Array {
  const out = new Uint8Array(length);
  let x = v;
  for (let i = length - 1; i >= 0; i--) { out[i] = x % 256; x = Math.floor(x / 256); }
  out[0] |= (length === 1 ? 0 : length === 2 ? 0x40 : length === 4 ? 0x80 : 0xc0);
  return out;
}

/** Reads a varint at `p`; returns [value, nextOffset] or null when the bytes run out. */
export function readVarint(b: Uint8Array, p: number): [number, number] | null {
  if (p >= b.length) return null;
  const len = 1 << (b[p] >> 6);
  if (p + len > b.length) return null;
  let v = b[p] & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + b[p + i];
  return [v, p + len];
}

// --- frames ---

export function cryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  const off = encodeVarint(offset);
  const len = encodeVarint(data.length);
  const out = new Uint8Array(1 + off.length + len.length + data.length);
  out[0] = 0x06; out.set(off, 1); out.set(len, 1 + off.length); out.set(data, 1 + off.length + len.length);
  return out;
}

/** An ACK frame acknowledging the single range [largest - firstRange, largest]. */
export function ackFrame(largest: number, firstRange = 0, delay = 0): Uint8Array {
  const parts = [Uint8Array.of(0x02), encodeVarint(largest), encodeVarint(delay), encodeVarint(0), encodeVarint(firstRange)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// --- protection ---

export interface ProtectInitialOptions {
  /** Which keys to use. */
  side: 'client' | 'server';
  /** The client's first Destination Connection ID: the keys derive from it. */
  originalDcid: Uint8Array;
  /** Destination Connection ID written in the header (defaults to originalDcid). */
  dcid?: Uint8Array;
  /** Source Connection ID written in the header (default empty). */
  scid?: Uint8Array;
  token?: Uint8Array;
  packetNumber?: number;
  /** Packet number length in bytes, 1..4 (default 4 for the client, 2 for the server). */
  pnLength?: 1 | 2 | 3 | 4;
  /** Plaintext frames. */
  payload: Uint8Array;
  /**
   * Pad the plaintext with PADDING frames so that the whole packet is at least this many bytes
   * (clients must send Initial datagrams of at least 1200 bytes).
   */
  minPacketSize?: number;
}

function padBytes(b: Uint8Array, min: number): Uint8Array {
  if (b.length >= min) return b;
  const out = new Uint8Array(min);
  out.set(b);
  return out;
}

/** Builds one protected Initial packet. */
export function protectInitial(o: ProtectInitialOptions): Uint8Array {
  const keys = initialKeys(o.originalDcid, o.side);
  const dcid = o.dcid ?? o.originalDcid;
  const scid = o.scid ?? new Uint8Array(0);
  const token = o.token ?? new Uint8Array(0);
  const pnLen = o.pnLength ?? (o.side === 'client' ? 4 : 2);
  const pn = o.packetNumber ?? 0;
  const tokenLen = encodeVarint(token.length);
  const fixedHead = 1 + 4 + 1 + dcid.length + 1 + scid.length + tokenLen.length + token.length;
  // The header-protection sample needs 4 + 16 bytes after the start of the packet number.
  let payload = padBytes(o.payload, 4 - pnLen);
  let lengthField = pnLen + payload.length + 16;
  let lenBytes = Math.max(2, varintLength(lengthField));
  if (o.minPacketSize) {
    const total = fixedHead + lenBytes + lengthField;
    if (total < o.minPacketSize) {
      payload = padBytes(payload, payload.length + o.minPacketSize - total);
      lengthField = pnLen + payload.length + 16;
      lenBytes = Math.max(2, varintLength(lengthField));
    }
  }
  const header = new Uint8Array(fixedHead + lenBytes + pnLen);
  let p = 0;
  header[p++] = 0xc0 | (pnLen - 1);
  header[p++] = 0; header[p++] = 0; header[p++] = 0; header[p++] = 1;
  header[p++] = dcid.length; header.set(dcid, p); p += dcid.length;
  header[p++] = scid.length; header.set(scid, p); p += scid.length;
  header.set(tokenLen, p); p += tokenLen.length;
  header.set(token, p); p += token.length;
  header.set(encodeVarint(lengthField, lenBytes), p); p += lenBytes;
  const pnOffset = p;
  let v = pn;
  for (let i = pnLen - 1; i >= 0; i--) { header[pnOffset + i] = v % 256; v = Math.floor(v / 256); }
  const cipher = createCipheriv('aes-128-gcm', keys.key, nonce(keys.iv, pn));
  cipher.setAAD(header);
  const ct = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  const packet = new Uint8Array(header.length + ct.length);
  packet.set(header); packet.set(ct, header.length);
  const sample = packet.subarray(pnOffset + 4, pnOffset + 20);
  const mask = headerProtectionMask(keys.hp, sample);
  packet[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) packet[pnOffset + i] ^= mask[1 + i];
  return packet;
}

export interface ClientInitialOptions {
  /** Destination Connection ID chosen by the client (8..20 bytes). */
  dcid: Uint8Array;
  scid?: Uint8Array;
  token?: Uint8Array;
  packetNumber?: number;
  pnLength?: 1 | 2 | 3 | 4;
  /** The TLS ClientHello handshake message (see buildClientHello). */
  clientHello: Uint8Array;
  /** Datagram size to pad to (default 1200, Chrome uses 1250). */
  datagramSize?: number;
  /** Split the ClientHello into several CRYPTO frames of this size (in order), to exercise reassembly. */
  cryptoFrameSize?: number;
}

/** A client's first Initial packet carrying the ClientHello in CRYPTO frame(s), padded to the datagram size. */
export function protectClientInitial(o: ClientInitialOptions): Uint8Array {
  const frames: Uint8Array[] = [];
  const step = o.cryptoFrameSize && o.cryptoFrameSize > 0 ? o.cryptoFrameSize : o.clientHello.length;
  // Frames are emitted from the last chunk to the first so that reassembly by offset is needed.
  const chunks: Uint8Array[] = [];
  for (let off = 0; off < o.clientHello.length; off += step) chunks.push(cryptoFrame(off, o.clientHello.subarray(off, Math.min(o.clientHello.length, off + step))));
  if (chunks.length > 1) frames.push(...chunks.reverse()); else frames.push(...chunks);
  const total = frames.reduce((n, f) => n + f.length, 0);
  const payload = new Uint8Array(total);
  let off = 0;
  for (const f of frames) { payload.set(f, off); off += f.length; }
  return protectInitial({
    side: 'client', originalDcid: o.dcid, scid: o.scid, token: o.token, packetNumber: o.packetNumber ?? 0,
    pnLength: o.pnLength ?? 4, payload, minPacketSize: o.datagramSize ?? 1200,
  });
}

// --- parsing ---

export type InitialParseError =
  | 'empty' | 'truncated' | 'not-long-header' | 'not-initial' | 'unsupported-version' | 'bad-connection-id'
  | 'bad-length' | 'decrypt-failed' | 'bad-frame' | 'no-crypto' | 'client-hello-incomplete' | SniFailure;

export interface ParsedInitial {
  sni?: string;
  alpn?: string[];
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  token: Uint8Array;
  packetNumber: number;
  /** Bytes of this packet inside the datagram (coalesced packets may follow). */
  packetLength: number;
  /** Frame type names in order (PADDING runs counted once). */
  frames: string[];
  /** The reassembled CRYPTO stream from offset 0 (contiguous part). */
  crypto: Uint8Array;
  /** Decrypted plaintext payload. */
  plaintext: Uint8Array;
  /** Why no SNI was found although decryption worked. */
  sniError?: SniFailure | 'client-hello-incomplete';
}

/**
 * Decrypts the first (client) Initial packet of a UDP datagram and reads the ClientHello's SNI.
 * Returns `{ error }` for anything it cannot handle; never throws.
 */
export function parseClientInitial(datagram: Uint8Array, side: 'client' | 'server' = 'client', originalDcid?: Uint8Array): ParsedInitial | { error: InitialParseError } {
  try {
    return parseInitialUnsafe(datagram, side, originalDcid);
  } catch {
    // Defensive: the code below checks every bound, but a crypto error must never escape.
    return { error: 'decrypt-failed' };
  }
}

function parseInitialUnsafe(d: Uint8Array, side: 'client' | 'server', originalDcid?: Uint8Array): ParsedInitial | { error: InitialParseError } {
  if (!d || d.length === 0) return { error: 'empty' };
  if (!(d[0] & 0x80)) return { error: 'not-long-header' };
  if (d.length < 7) return { error: 'truncated' };
  const version = ((d[1] << 24) | (d[2] << 16) | (d[3] << 8) | d[4]) >>> 0;
  if (version === 0) return { error: 'unsupported-version' }; // version negotiation
  if (version !== QUIC_V1) return { error: 'unsupported-version' };
  if (((d[0] & 0x30) >> 4) !== 0) return { error: 'not-initial' };
  let p = 5;
  const dcidLen = d[p++];
  if (dcidLen > 20) return { error: 'bad-connection-id' };
  if (p + dcidLen + 1 > d.length) return { error: 'truncated' };
  const dcid = d.slice(p, p + dcidLen); p += dcidLen;
  const scidLen = d[p++];
  if (scidLen > 20) return { error: 'bad-connection-id' };
  if (p + scidLen > d.length) return { error: 'truncated' };
  const scid = d.slice(p, p + scidLen); p += scidLen;
  const tl = readVarint(d, p);
  if (!tl) return { error: 'truncated' };
  const [tokenLen, afterTl] = tl;
  p = afterTl;
  if (p + tokenLen > d.length) return { error: 'truncated' };
  const token = d.slice(p, p + tokenLen); p += tokenLen;
  const lf = readVarint(d, p);
  if (!lf) return { error: 'truncated' };
  const [length, pnOffset] = lf;
  if (length < 20) return { error: 'bad-length' };
  if (pnOffset + length > d.length) return { error: 'truncated' };
  const keys = initialKeys(originalDcid ?? dcid, side);
  const sample = d.subarray(pnOffset + 4, pnOffset + 20);
  const mask = headerProtectionMask(keys.hp, sample);
  const first = d[0] ^ (mask[0] & 0x0f);
  const pnLen = (first & 0x03) + 1;
  const header = d.slice(0, pnOffset + pnLen);
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) { header[pnOffset + i] ^= mask[1 + i]; pn = pn * 256 + header[pnOffset + i]; }
  const ctEnd = pnOffset + length;
  const ct = d.subarray(pnOffset + pnLen, ctEnd - 16);
  const tag = d.subarray(ctEnd - 16, ctEnd);
  let plaintext: Uint8Array;
  try {
    const dec = createDecipheriv('aes-128-gcm', keys.key, nonce(keys.iv, pn));
    dec.setAAD(header);
    dec.setAuthTag(tag);
    plaintext = new Uint8Array(Buffer.concat([dec.update(ct), dec.final()]));
  } catch {
    return { error: 'decrypt-failed' };
  }
  const walked = walkFrames(plaintext);
  if ('error' in walked) return walked;
  const base: ParsedInitial = {
    version, dcid, scid, token, packetNumber: pn, packetLength: ctEnd, frames: walked.frames, crypto: walked.crypto, plaintext,
  };
  if (walked.crypto.length === 0) return walked.sawCrypto ? { ...base, sniError: 'client-hello-incomplete' } : { ...base, sniError: 'no-sni' };
  const c = walked.crypto;
  if (c[0] !== 0x01) return { ...base, sniError: 'not-client-hello' };
  if (c.length >= 4) {
    const declared = 4 + ((c[1] << 16) | (c[2] << 8) | c[3]);
    if (c.length < declared) {
      // Part of the ClientHello is in a later packet: try what we have (the SNI is usually first).
      const r = parseClientHelloMessage(c);
      if ('sni' in r && r.sni !== undefined) return { ...base, sni: r.sni, alpn: (r as { alpn?: string[] }).alpn, sniError: undefined };
      return { ...base, sniError: 'client-hello-incomplete' };
    }
  }
  const r = parseClientHelloMessage(c);
  if (r.sni === undefined) return { ...base, sniError: (r as { reason: SniFailure }).reason };
  const out: ParsedInitial = { ...base, sni: r.sni };
  if (r.alpn) out.alpn = r.alpn;
  return out;
}

function walkFrames(pt: Uint8Array): { frames: string[]; crypto: Uint8Array; sawCrypto: boolean } | { error: InitialParseError } {
  const frames: string[] = [];
  const pieces: { off: number; data: Uint8Array }[] = [];
  let p = 0;
  while (p < pt.length) {
    const type = pt[p];
    if (type === 0x00) {
      while (p < pt.length && pt[p] === 0) p++;
      frames.push('PADDING');
      continue;
    }
    if (type === 0x01) { frames.push('PING'); p++; continue; }
    if (type === 0x02 || type === 0x03) {
      let q: [number, number] | null = [0, p + 1];
      const fields: number[] = [];
      for (let i = 0; i < 4 && q; i++) { q = readVarint(pt, q[1]); if (q) fields.push(q[0]); }
      if (!q) return { error: 'bad-frame' };
      const rangeCount = fields[2];
      let r: [number, number] | null = q;
      for (let i = 0; i < rangeCount * 2 && r; i++) r = readVarint(pt, r[1]);
      if (type === 0x03) for (let i = 0; i < 3 && r; i++) r = readVarint(pt, r[1]);
      if (!r) return { error: 'bad-frame' };
      frames.push('ACK');
      p = r[1];
      continue;
    }
    if (type === 0x06) {
      const a = readVarint(pt, p + 1);
      if (!a) return { error: 'bad-frame' };
      const b = readVarint(pt, a[1]);
      if (!b) return { error: 'bad-frame' };
      const start = b[1];
      if (start + b[0] > pt.length) return { error: 'bad-frame' };
      pieces.push({ off: a[0], data: pt.subarray(start, start + b[0]) });
      frames.push('CRYPTO');
      p = start + b[0];
      continue;
    }
    if (type === 0x1c) {
      // CONNECTION_CLOSE (transport): error code, frame type, reason phrase.
      const a = readVarint(pt, p + 1);
      const b = a && readVarint(pt, a[1]);
      const c = b && readVarint(pt, b[1]);
      if (!c || c[1] + c[0] > pt.length) return { error: 'bad-frame' };
      frames.push('CONNECTION_CLOSE');
      p = c[1] + c[0];
      continue;
    }
    return { error: 'bad-frame' };
  }
  // Reassemble the contiguous prefix of the CRYPTO stream.
  pieces.sort((x, y) => x.off - y.off);
  let end = 0;
  for (const piece of pieces) {
    if (piece.off > end) break;
    end = Math.max(end, piece.off + piece.data.length);
  }
  const crypto = new Uint8Array(end);
  for (const piece of pieces) {
    if (piece.off >= end) break;
    crypto.set(piece.data.subarray(0, Math.max(0, Math.min(piece.data.length, end - piece.off))), piece.off);
  }
  return { frames, crypto, sawCrypto: pieces.length > 0 };
}
