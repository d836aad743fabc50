/**
 * A DNS message parser for service categorization: question names and A/AAAA/CNAME
 * answers. Defensive: compression pointers may only jump backwards and at most 64
 * times, every read is bounds-checked, and a problem is returned as a reason, never thrown.
 */
export interface DnsAnswer {
  name: string;
  type: number;
  ttl: number;
  /** A/AAAA: the address bytes (4 or 16) copied out of the packet. */
  address?: Uint8Array;
  /** CNAME: the canonical name. */
  target?: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  rcode: number;
  questions: string[];
  answers: DnsAnswer[];
}

export type DnsResult = { ok: true; message: DnsMessage } | { ok: false; reason: string };

const MAX_JUMPS = 64;

export function parseDns(buf: Uint8Array, start: number, length: number): DnsResult {
  const end = start + length;
  if (length < 12) return { ok: false, reason: 'truncated DNS header' };
  const u16 = (o: number) => (buf[o] << 8) | buf[o + 1];
  const flags = u16(start + 2);
  const qd = u16(start + 4), an = u16(start + 6);
  const msg: DnsMessage = { id: u16(start), response: (flags & 0x8000) !== 0, rcode: flags & 0xf, questions: [], answers: [] };
  let o = start + 12;

  // Returns [name, offset after the name in the record] or a reason string.
  const readName = (at: number): [string, number] | string => {
    const labels: string[] = [];
    let pos = at, after = -1, jumps = 0, total = 0;
    for (;;) {
      if (pos >= end) return 'name runs past the end of the packet';
      const len = buf[pos];
      if (len === 0) { if (after < 0) after = pos + 1; break; }
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= end) return 'truncated compression pointer';
        const target = start + (((len & 0x3f) << 8) | buf[pos + 1]);
        if (after < 0) after = pos + 2;
        if (target >= pos || ++jumps > MAX_JUMPS) return 'compression pointer loop';
        pos = target;
        continue;
      }
      if ((len & 0xc0) !== 0) return 'bad label type';
      if (pos + 1 + len > end) return 'label runs past the end of the packet';
      total += len + 1;
      if (total > 255) return 'name longer than 255 bytes';
      let label = '';
      for (let i = 0; i < len; i++) label += String.fromCharCode(buf[pos + 1 + i]);
      labels.push(label);
      pos += 1 + len;
    }
    return [labels.join('.').toLowerCase(), after];
  };

  for (let i = 0; i < qd; i++) {
    const r = readName(o);
    if (typeof r === 'string') return { ok: false, reason: r };
    msg.questions.push(r[0]);
    o = r[1] + 4;
    if (o > end) return { ok: false, reason: 'truncated question' };
  }
  for (let i = 0; i < an; i++) {
    const r = readName(o);
    if (typeof r === 'string') return msg.answers.length ? { ok: true, message: msg } : { ok: false, reason: r };
    o = r[1];
    if (o + 10 > end) return msg.answers.length ? { ok: true, message: msg } : { ok: false, reason: 'truncated answer' };
    const type = u16(o), ttl = ((buf[o + 4] << 24) | (buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7]) >>> 0;
    const rdlen = u16(o + 8);
    const rd = o + 10;
    if (rd + rdlen > end) return msg.answers.length ? { ok: true, message: msg } : { ok: false, reason: 'truncated answer data' };
    if (type === 1 && rdlen === 4) msg.answers.push({ name: r[0], type, ttl, address: buf.slice(rd, rd + 4) });
    else if (type === 28 && rdlen === 16) msg.answers.push({ name: r[0], type, ttl, address: buf.slice(rd, rd + 16) });
    else if (type === 5) {
      const t = readName(rd);
      if (typeof t !== 'string') msg.answers.push({ name: r[0], type, ttl, target: t[0] });
    }
    o = rd + rdlen;
  }
  return { ok: true, message: msg };
}
