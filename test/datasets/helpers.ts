/**
 * Test-only helpers: a DNS message parser and flow bookkeeping over captures decoded by
 * src/datasets/pcapScan (which does not share code with the generator).
 */
import { ScanPacket } from '../../src/datasets/pcapScan';

export interface DnsMessage { id: number; response: boolean; qname: string; answers: { name: string; type: number; data: string }[] }

function readName(b: Uint8Array, p: number): [string, number] {
  const labels: string[] = [];
  let jumped = false;
  let end = p;
  let guard = 0;
  for (;;) {
    if (p >= b.length || guard++ > 128) throw new Error('bad name');
    const len = b[p];
    if (len === 0) { if (!jumped) end = p + 1; break; }
    if ((len & 0xc0) === 0xc0) {
      const ptr = ((len & 0x3f) << 8) | b[p + 1];
      if (!jumped) end = p + 2;
      jumped = true;
      p = ptr;
      continue;
    }
    labels.push(Buffer.from(b.subarray(p + 1, p + 1 + len)).toString('latin1'));
    p += 1 + len;
  }
  return [labels.join('.'), end];
}

export function parseDns(b: Uint8Array): DnsMessage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const id = dv.getUint16(0), flags = dv.getUint16(2), qd = dv.getUint16(4), an = dv.getUint16(6);
  let p = 12;
  let qname = '';
  for (let i = 0; i < qd; i++) { const [n, e] = readName(b, p); if (i === 0) qname = n; p = e + 4; }
  const answers: DnsMessage['answers'] = [];
  for (let i = 0; i < an; i++) {
    const [name, e] = readName(b, p);
    const type = dv.getUint16(e), rdlen = dv.getUint16(e + 8);
    const rd = e + 10;
    let data = '';
    if (type === 1) data = `${b[rd]}.${b[rd + 1]}.${b[rd + 2]}.${b[rd + 3]}`;
    else if (type === 5) data = readName(b, rd)[0];
    answers.push({ name, type, data });
    p = rd + rdlen;
  }
  return { id, response: (flags & 0x8000) !== 0, qname, answers };
}

export function u32(p: ScanPacket, off: number): number {
  const d = p.data;
  const o = p.l4Offset + off;
  return ((d[o] << 24) >>> 0) + (d[o + 1] << 16) + (d[o + 2] << 8) + d[o + 3];
}
export function tcpFlags(p: ScanPacket): number { return p.data[p.l4Offset + 13]; }
export function tcpSeq(p: ScanPacket): number { return u32(p, 4); }
export function tcpAck(p: ScanPacket): number { return u32(p, 8); }
export function tcpOptions(p: ScanPacket): Uint8Array {
  const hl = (p.data[p.l4Offset + 12] >> 4) * 4;
  return p.data.subarray(p.l4Offset + 20, p.l4Offset + hl);
}
