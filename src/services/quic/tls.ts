/**
 * TLS ClientHello: a builder (for the dataset generator) and a defensive SNI parser (for service
 * classification from a TLS record over TCP, or from the CRYPTO stream of a QUIC Initial).
 *
 * The parsers never throw on malformed input: they return a reason code instead.
 */

export const TLS_CONTENT_HANDSHAKE = 0x16;
export const TLS_CONTENT_CCS = 0x14;
export const TLS_CONTENT_APPLICATION_DATA = 0x17;
export const TLS_HANDSHAKE_CLIENT_HELLO = 0x01;
export const TLS_HANDSHAKE_SERVER_HELLO = 0x02;

/** Why an SNI could not be read. */
export type SniFailure =
  | 'empty'
  | 'not-tls'            // not a TLS handshake record
  | 'not-client-hello'   // a handshake, but not a ClientHello
  | 'truncated'          // the bytes end before the ClientHello (or its extensions) does
  | 'malformed'          // lengths inconsistent with each other
  | 'no-sni';            // a well-formed ClientHello without a server_name extension

export interface ClientHelloInfo {
  /** The host_name of the server_name extension. */
  sni: string;
  /** ALPN protocol names, when the extension is present. */
  alpn?: string[];
  /** Extension types in order, for fingerprinting and tests. */
  extensions: number[];
}

export type SniResult = ClientHelloInfo | { reason: SniFailure; sni?: undefined };

// ---------------------------------------------------------------------------------------------
// Building

export interface ClientHelloOptions {
  /** 32 bytes; zeros when absent (callers that want realism pass seeded bytes). */
  random?: Uint8Array;
  /** legacy_session_id, 0 or 32 bytes. */
  sessionId?: Uint8Array;
  cipherSuites?: number[];
  alpn?: string[];
  /** X25519 key share (32 bytes); zeros when absent. */
  keyShare?: Uint8Array;
  /** QUIC transport parameters (extension 0x39); when given the hello is a QUIC one (no session id, no padding ext). */
  quicTransportParameters?: Uint8Array;
  /** Pad the message with the padding extension (21) to at least this many bytes (Chrome pads to 512). */
  padTo?: number;
}

class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): this { this.ensure(1); this.buf[this.length++] = v & 0xff; return this; }
  u16(v: number): this { this.ensure(2); this.buf[this.length++] = (v >> 8) & 0xff; this.buf[this.length++] = v & 0xff; return this; }
  u24(v: number): this { this.u8(v >> 16); return this.u16(v & 0xffff); }
  bytes(b: Uint8Array): this { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }
  /** Writes a length-prefixed block (prefix of 1, 2 or 3 bytes) filled by `fill`. */
  block(prefix: 1 | 2 | 3, fill: (w: ByteWriter) => void): this {
    const inner = new ByteWriter();
    fill(inner);
    if (prefix === 1) this.u8(inner.length); else if (prefix === 2) this.u16(inner.length); else this.u24(inner.length);
    return this.bytes(inner.finish());
  }
  finish(): Uint8Array { return this.buf.slice(0, this.length); }
}

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/**
 * A TLS 1.3 ClientHello handshake message (type, 3-byte length, body) with a server_name extension.
 * Wrap it with `tlsRecord` for TCP, or put it in a QUIC CRYPTO frame.
 */
export function buildClientHello(sni: string, o: ClientHelloOptions = {}): Uint8Array {
  const quic = o.quicTransportParameters !== undefined;
  const random = o.random ?? new Uint8Array(32);
  const sessionId = o.sessionId ?? (quic ? new Uint8Array(0) : new Uint8Array(32));
  const suites = o.cipherSuites ?? (quic ? [0x1301, 0x1302, 0x1303] : [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]);
  const keyShare = o.keyShare ?? new Uint8Array(32);
  const ext = new ByteWriter();
  const extension = (type: number, fill: (w: ByteWriter) => void): void => { ext.u16(type).block(2, fill); };
  extension(0x0000, (w) => w.block(2, (l) => l.u8(0).block(2, (n) => n.bytes(ascii(sni)))));
  if (!quic) extension(0x0017, () => undefined); // extended_master_secret
  if (!quic) extension(0xff01, (w) => w.u8(0)); // renegotiation_info
  extension(0x000a, (w) => w.block(2, (l) => l.u16(0x001d).u16(0x0017).u16(0x0018))); // supported_groups
  if (!quic) extension(0x000b, (w) => w.block(1, (l) => l.u8(0))); // ec_point_formats
  if (!quic) extension(0x0023, () => undefined); // session_ticket
  if (o.alpn && o.alpn.length) extension(0x0010, (w) => w.block(2, (l) => { for (const p of o.alpn!) l.block(1, (n) => n.bytes(ascii(p))); }));
  extension(0x0005, (w) => w.u8(1).u16(0).u16(0)); // status_request
  extension(0x000d, (w) => w.block(2, (l) => { for (const s of [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]) l.u16(s); }));
  extension(0x0033, (w) => w.block(2, (l) => l.u16(0x001d).block(2, (k) => k.bytes(keyShare))));
  extension(0x002d, (w) => w.block(1, (l) => l.u8(1))); // psk_key_exchange_modes
  extension(0x002b, (w) => w.block(1, (l) => { l.u16(0x0304); if (!quic) l.u16(0x0303); })); // supported_versions
  if (quic) extension(0x0039, (w) => w.bytes(o.quicTransportParameters!));
  const body = (extBytes: Uint8Array): Uint8Array => {
    const b = new ByteWriter();
    b.u16(0x0303).bytes(random).block(1, (w) => w.bytes(sessionId));
    b.block(2, (w) => { for (const s of suites) w.u16(s); });
    b.block(1, (w) => w.u8(0));
    b.block(2, (w) => w.bytes(extBytes));
    return b.finish();
  };
  let extBytes = ext.finish();
  if (o.padTo && !quic) {
    const current = 4 + body(extBytes).length;
    if (current + 4 < o.padTo) {
      const pad = o.padTo - current - 4;
      const w = new ByteWriter();
      w.bytes(extBytes).u16(0x0015).u16(pad).bytes(new Uint8Array(pad));
      extBytes = w.finish();
    }
  }
  const b = body(extBytes);
  const msg = new ByteWriter();
  msg.u8(TLS_HANDSHAKE_CLIENT_HELLO).u24(b.length).bytes(b);
  return msg.finish();
}

/** A TLS 1.3 ServerHello handshake message (cipher TLS_AES_128_GCM_SHA256, X25519 share). */
export function buildServerHello(o: { random?: Uint8Array; sessionId?: Uint8Array; keyShare?: Uint8Array } = {}): Uint8Array {
  const b = new ByteWriter();
  b.u16(0x0303).bytes(o.random ?? new Uint8Array(32)).block(1, (w) => w.bytes(o.sessionId ?? new Uint8Array(0)));
  b.u16(0x1301).u8(0);
  b.block(2, (w) => {
    w.u16(0x0033).block(2, (k) => k.u16(0x001d).block(2, (x) => x.bytes(o.keyShare ?? new Uint8Array(32))));
    w.u16(0x002b).block(2, (v) => v.u16(0x0304));
  });
  const body = b.finish();
  const msg = new ByteWriter();
  msg.u8(TLS_HANDSHAKE_SERVER_HELLO).u24(body.length).bytes(body);
  return msg.finish();
}

/** Wraps `body` in TLS records of at most 16384 bytes (legacy version 0x0301 for a first ClientHello, else 0x0303). */
export function tlsRecord(contentType: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const out = new ByteWriter();
  let off = 0;
  do {
    const chunk = body.subarray(off, Math.min(body.length, off + 16384));
    out.u8(contentType).u16(version).u16(chunk.length).bytes(chunk);
    off += 16384;
  } while (off < body.length);
  return out.finish();
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses a ClientHello handshake message (starting at its type byte) for the server name.
 * `available` may be shorter than the message's declared length (truncated capture): the
 * extensions that are present are still walked and 'truncated' is returned only if the
 * server_name extension itself is cut.
 */
export function parseClientHelloMessage(msg: Uint8Array): SniResult {
  if (msg.length === 0) return { reason: 'empty' };
  if (msg[0] !== TLS_HANDSHAKE_CLIENT_HELLO) return { reason: 'not-client-hello' };
  if (msg.length < 4) return { reason: 'truncated' };
  const declared = (msg[1] << 16) | (msg[2] << 8) | msg[3];
  const end = Math.min(msg.length, 4 + declared);
  let p = 4;
  const need = (n: number): boolean => p + n <= end;
  // legacy_version + random
  if (!need(2 + 32)) return { reason: end < 4 + declared ? 'truncated' : 'malformed' };
  p += 34;
  if (!need(1)) return { reason: cut(end, declared) };
  const sidLen = msg[p]; p += 1;
  if (sidLen > 32) return { reason: 'malformed' };
  if (!need(sidLen)) return { reason: cut(end, declared) };
  p += sidLen;
  if (!need(2)) return { reason: cut(end, declared) };
  const csLen = (msg[p] << 8) | msg[p + 1]; p += 2;
  if (csLen & 1) return { reason: 'malformed' };
  if (!need(csLen)) return { reason: cut(end, declared) };
  p += csLen;
  if (!need(1)) return { reason: cut(end, declared) };
  const cmLen = msg[p]; p += 1;
  if (!need(cmLen)) return { reason: cut(end, declared) };
  p += cmLen;
  if (p === 4 + declared) return { reason: 'no-sni' }; // no extensions at all
  if (!need(2)) return { reason: cut(end, declared) };
  const extLen = (msg[p] << 8) | msg[p + 1]; p += 2;
  if (p + extLen > 4 + declared) return { reason: 'malformed' };
  const extStart = p;
  const extEnd = Math.min(end, p + extLen);
  const extensionsCut = extEnd < extStart + extLen;
  const extensions: number[] = [];
  let sni: string | undefined;
  let alpn: string[] | undefined;
  while (p + 4 <= extEnd) {
    const type = (msg[p] << 8) | msg[p + 1];
    const len = (msg[p + 2] << 8) | msg[p + 3];
    p += 4;
    if (p + len > extStart + extLen) return { reason: 'malformed' };
    if (p + len > extEnd) {
      // Only the capture is short: the extension continues past what we were given.
      if (sni === undefined) return { reason: 'truncated' };
      break;
    }
    extensions.push(type);
    if (type === 0x0000) {
      const r = parseServerNameExtension(msg, p, p + len);
      if (typeof r !== 'string') return { reason: r.reason };
      sni = r;
    } else if (type === 0x0010) {
      alpn = parseAlpn(msg, p, p + len) ?? undefined;
    }
    p += len;
  }
  if (sni === undefined) return { reason: extensionsCut ? 'truncated' : (p === extEnd ? 'no-sni' : 'malformed') };
  return alpn ? { sni, alpn, extensions } : { sni, extensions };
}

function cut(end: number, declared: number): SniFailure {
  return end < 4 + declared ? 'truncated' : 'malformed';
}

function parseServerNameExtension(b: Uint8Array, p: number, end: number): string | { reason: SniFailure } {
  if (p + 2 > end) return { reason: 'malformed' };
  const listLen = (b[p] << 8) | b[p + 1]; p += 2;
  if (p + listLen > end) return { reason: 'malformed' };
  const listEnd = p + listLen;
  while (p + 3 <= listEnd) {
    const nameType = b[p];
    const nameLen = (b[p + 1] << 8) | b[p + 2];
    p += 3;
    if (p + nameLen > listEnd) return { reason: 'malformed' };
    if (nameType === 0) {
      if (nameLen === 0) return { reason: 'malformed' };
      let s = '';
      for (let i = p; i < p + nameLen; i++) {
        const c = b[i];
        if (c < 0x21 || c > 0x7e) return { reason: 'malformed' };
        s += String.fromCharCode(c);
      }
      return s.toLowerCase();
    }
    p += nameLen;
  }
  return { reason: 'no-sni' };
}

function parseAlpn(b: Uint8Array, p: number, end: number): string[] | null {
  if (p + 2 > end) return null;
  const len = (b[p] << 8) | b[p + 1]; p += 2;
  if (p + len > end) return null;
  const out: string[] = [];
  const listEnd = p + len;
  while (p < listEnd) {
    const l = b[p]; p += 1;
    if (p + l > listEnd) return null;
    out.push(Buffer.from(b.subarray(p, p + l)).toString('latin1'));
    p += l;
  }
  return out;
}

/**
 * Reads the SNI from the start of a TCP payload that should begin with a TLS handshake record
 * carrying a ClientHello. Handles a ClientHello split over several handshake records inside
 * `bytes`; a payload cut short (snaplen, or the hello continuing in the next segment) yields
 * 'truncated' unless the server_name extension was already complete.
 */
export function parseTlsClientHelloSni(bytes: Uint8Array): SniResult {
  if (!bytes || bytes.length === 0) return { reason: 'empty' };
  if (bytes[0] !== TLS_CONTENT_HANDSHAKE) return { reason: 'not-tls' };
  if (bytes.length < 5) return { reason: 'truncated' };
  if (bytes[1] !== 0x03 || bytes[2] > 0x04) return { reason: 'not-tls' };
  // Collect the handshake bytes of consecutive handshake records.
  const chunks: Uint8Array[] = [];
  let total = 0;
  let p = 0;
  let wanted = -1;
  while (p + 5 <= bytes.length && bytes[p] === TLS_CONTENT_HANDSHAKE) {
    const len = (bytes[p + 3] << 8) | bytes[p + 4];
    if (len === 0 || len > 16384 + 2048) return { reason: 'malformed' };
    const body = bytes.subarray(p + 5, Math.min(bytes.length, p + 5 + len));
    chunks.push(body); total += body.length;
    if (wanted < 0 && total >= 4) {
      const first = chunks.length === 1 ? chunks[0] : concatChunks(chunks, total);
      wanted = 4 + ((first[1] << 16) | (first[2] << 8) | first[3]);
    }
    if (body.length < len) break; // record cut short
    p += 5 + len;
    if (wanted >= 0 && total >= wanted) break;
  }
  const msg = chunks.length === 1 ? chunks[0] : concatChunks(chunks, total);
  if (msg.length === 0) return { reason: 'truncated' };
  return parseClientHelloMessage(msg);
}

function concatChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
