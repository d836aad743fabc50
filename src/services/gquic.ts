/**
 * Server name from a Google QUIC (gQUIC, versions Q0xx) client hello. Before IETF QUIC,
 * Chrome sent its CHLO handshake message in the clear inside the first packet: a tag/value
 * map (`CHLO`, tag count, then tag + end-offset pairs, then the values) whose `SNI\0` tag
 * holds the host name. Headers of those versions vary, so the message is located by its
 * `CHLO` tag and then parsed with every bound checked; nothing is thrown.
 */
export function gquicChloSni(buf: Uint8Array, start: number, length: number): string | null {
  const end = start + length;
  // gQUIC public header: flags with the version bit (0x01) set, then an 8-byte connection id
  // and the version "Q0xx" at offset 9 when the CID is present.
  if (length < 30 || (buf[start] & 0x01) === 0) return null;
  const v = start + 9;
  if (v + 4 > end || buf[v] !== 0x51 /* Q */ || buf[v + 1] !== 0x30) return null;
  for (let i = v + 4; i + 12 <= end; i++) {
    if (buf[i] !== 0x43 || buf[i + 1] !== 0x48 || buf[i + 2] !== 0x4c || buf[i + 3] !== 0x4f) continue; // "CHLO"
    const tags = buf[i + 4] | (buf[i + 5] << 8);
    if (tags === 0 || tags > 128) return null;
    const table = i + 8;
    const values = table + tags * 8;
    if (values > end) return null;
    let prevEnd = 0;
    for (let t = 0; t < tags; t++) {
      const o = table + t * 8;
      const tagEnd = (buf[o + 4] | (buf[o + 5] << 8) | (buf[o + 6] << 16) | (buf[o + 7] << 24)) >>> 0;
      if (tagEnd < prevEnd) return null;
      if (buf[o] === 0x53 && buf[o + 1] === 0x4e && buf[o + 2] === 0x49 && buf[o + 3] === 0x00) { // "SNI\0"
        const s = values + prevEnd, e = values + tagEnd;
        if (e > end || e - s > 255 || e <= s) return null;
        let name = '';
        for (let k = s; k < e; k++) {
          const c = buf[k];
          if (c < 0x21 || c > 0x7e) return null;
          name += String.fromCharCode(c);
        }
        return name.toLowerCase();
      }
      prevEnd = tagEnd;
    }
    return null;
  }
  return null;
}
