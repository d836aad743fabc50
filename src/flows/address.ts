/** Address helpers used when flows are created or printed (never per packet). */

export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form (lower case, longest zero run compressed). */
export function formatIpv6(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

export function formatAddress(b: Uint8Array, o: number, version: number): string {
  return version === 6 ? formatIpv6(b, o) : formatIpv4(b, o);
}

/** Parses an IPv4 or IPv6 address into 16 bytes (IPv4 in the first four). Returns null if invalid. */
export function parseAddress(text: string): { bytes: Uint8Array; version: 4 | 6 } | null {
  if (text.includes(':')) {
    const out = new Uint8Array(16);
    const dbl = text.indexOf('::');
    if (dbl !== text.lastIndexOf('::')) return null;
    const head = dbl >= 0 ? text.slice(0, dbl) : text;
    const tail = dbl >= 0 ? text.slice(dbl + 2) : '';
    const hs = head ? head.split(':') : [];
    const ts = tail ? tail.split(':') : [];
    // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
    const expand = (parts: string[]): number[] | null => {
      const r: number[] = [];
      for (const p of parts) {
        if (p.includes('.')) {
          const v4 = parseAddress(p);
          if (!v4 || v4.version !== 4) return null;
          r.push((v4.bytes[0] << 8) | v4.bytes[1], (v4.bytes[2] << 8) | v4.bytes[3]);
        } else {
          if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
          r.push(parseInt(p, 16));
        }
      }
      return r;
    };
    const h = expand(hs), t = expand(ts);
    if (!h || !t) return null;
    if (dbl < 0 && h.length !== 8) return null;
    if (dbl >= 0 && h.length + t.length > 7) return null;
    const groups = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
    groups.forEach((v, i) => { out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
    return { bytes: out, version: 6 };
  }
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return { bytes: out, version: 4 };
}

/** True for addresses that are not globally routed: RFC 1918, CGNAT, link-local, loopback, ULA. */
export function isPrivateAddress(b: Uint8Array, o: number, version: number): boolean {
  if (version === 4) {
    const a = b[o], c = b[o + 1];
    return a === 10 || a === 127 || (a === 172 && c >= 16 && c < 32) || (a === 192 && c === 168) ||
      (a === 100 && c >= 64 && c < 128) || (a === 169 && c === 254);
  }
  const a = b[o];
  if ((a & 0xfe) === 0xfc) return true; // fc00::/7
  if (a === 0xfe && (b[o + 1] & 0xc0) === 0x80) return true; // fe80::/10
  for (let i = 0; i < 15; i++) if (b[o + i] !== 0) return false;
  return b[o + 15] === 1; // ::1
}
