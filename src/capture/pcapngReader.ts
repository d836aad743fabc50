import type { PacketBatch } from './batch';
import type { CaptureError } from './errors';
import { ParserContext, RecordParser, ViewCache } from './parser';

/** pcapng block types this reader knows. */
export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 1,
  /** Obsolete Packet Block. */
  PB: 2,
  SPB: 3,
  NRB: 4,
  ISB: 5,
  EPB: 6,
  DSB: 10,
  /** Custom blocks (copyable and not). */
  CB: 0x00000bad,
  CB_NOCOPY: 0x40000bad,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const TWO32 = 4294967296;
/** Space allowed in a block beside the packet bytes (headers and options). */
const BLOCK_SLACK = 65536;
/** At most this many interfaces per section (each costs a small object). */
const MAX_INTERFACES = 65536;

/** One Interface Description Block of the current section. */
export interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^k or 2^k, from if_tsresol; 10^6 by default). */
  unitsPerSecond: number;
  /** Same as a BigInt, used when units are finer than 2^-31 s. */
  unitsBig: bigint | null;
  /** Nanoseconds per unit when that is a whole number, else 0. */
  nsPerUnit: number;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffset: number;
  /** Records read from this interface. */
  records: number;
}

/**
 * Parser of pcapng captures: Section Header, Interface Description, Enhanced Packet, Simple Packet
 * and the obsolete Packet Block; other blocks are skipped (and counted). Several sections with their
 * own byte order; per interface link type, if_tsresol (power of 10 or of 2) and if_tsoffset.
 * Simple Packet Blocks carry no timestamp: they get the previous record's (0 at the start) and are
 * counted in `noTimestamp`.
 */
export class PcapngParser implements RecordParser {
  readonly format = 'pcapng' as const;
  pending = 12;
  error: CaptureError | null = null;
  truncated = 0;
  cut = 0;
  skippedBlocks = 0;
  noTimestamp = 0;
  /** Sections seen so far. */
  sections = 0;
  /** Interfaces of the current section. */
  interfaces: PcapngInterface[] = [];
  private littleEndian = true;
  /** Bytes of a large ignored block still to skip. */
  private skip = 0;
  private skipStart = 0;
  private lastSec = 0;
  private lastNsec = 0;
  private readonly linkCounts: Record<number, number> = {};
  private readonly views = new ViewCache();
  // Output of splitTimestamp (avoids allocating a pair per record).
  private tSec = 0;
  private tNsec = 0;

  constructor(private readonly ctx: ParserContext) {}

  parse(buf: Uint8Array, pos: number, end: number, base: number, batch: PacketBatch): number {
    if (this.error) return pos;
    const dv = this.views.get(buf);
    const limit = this.ctx.maxRecordBytes;
    const blockLimit = limit + BLOCK_SLACK;
    const log = this.ctx.log;
    const { offset, caplen, wirelen, tsSec, tsNsec, linkType, fileOffset } = batch;
    const cap = offset.length;
    let n = batch.count;
    let le = this.littleEndian;
    this.pending = 0;
    while (n < cap) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, end - pos);
        pos += k;
        this.skip -= k;
        if (this.skip > 0) { this.pending = 1; break; }
        continue;
      }
      const avail = end - pos;
      if (avail < 12) { this.pending = 12; break; }
      const type = dv.getUint32(pos, le);
      if (type === BlockType.SHB) {
        const bom = dv.getUint32(pos + 8, true);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else { this.error = log.fatal('bad-byte-order-magic', base + pos, `section header has no byte-order magic (0x${bom.toString(16)})`); break; }
      }
      const total = dv.getUint32(pos + 4, le);
      if (total < 12 || (total & 3) !== 0) {
        this.error = log.fatal('bad-block-length', base + pos, `block length ${total} is not a multiple of 4 of at least 12`);
        break;
      }
      if (total > blockLimit) {
        if (type === BlockType.SHB || type === BlockType.IDB || type === BlockType.EPB || type === BlockType.SPB || type === BlockType.PB) {
          this.error = log.fatal('record-too-large', base + pos, `block length ${total} exceeds the limit of ${blockLimit} bytes (maxRecordBytes ${limit} + ${BLOCK_SLACK})`);
          break;
        }
        log.report('large-block-skipped', base + pos, `block of type 0x${type.toString(16)} and ${total} bytes skipped unread`);
        this.skippedBlocks++;
        this.skip = total;
        this.skipStart = base + pos;
        continue;
      }
      if (avail < total) { this.pending = total; break; }
      if (dv.getUint32(pos + total - 4, le) !== total) {
        this.error = log.fatal('block-length-mismatch', base + pos,
          `block length ${total} and trailing length ${dv.getUint32(pos + total - 4, le)} differ`);
        break;
      }
      if (type === BlockType.EPB || type === BlockType.PB) {
        let ifid: number, dataLen: number, orig: number;
        if (type === BlockType.EPB) {
          if (total < 32) { this.error = log.fatal('bad-block-length', base + pos, `enhanced packet block of ${total} bytes is too short`); break; }
          ifid = dv.getUint32(pos + 8, le);
        } else {
          if (total < 32) { this.error = log.fatal('bad-block-length', base + pos, `packet block of ${total} bytes is too short`); break; }
          ifid = dv.getUint16(pos + 8, le);
        }
        dataLen = dv.getUint32(pos + 20, le);
        orig = dv.getUint32(pos + 24, le);
        if (dataLen > limit) {
          this.error = log.fatal('record-too-large', base + pos, `record length ${dataLen} exceeds the limit of ${limit} bytes (maxRecordBytes)`);
          break;
        }
        if (dataLen > total - 32) {
          this.error = log.fatal('bad-caplen', base + pos, `captured length ${dataLen} does not fit in a block of ${total} bytes`);
          break;
        }
        const ifc = this.interfaces[ifid];
        if (ifc === undefined) {
          log.report('unknown-interface', base + pos, `packet for interface ${ifid}, but the section has ${this.interfaces.length}; skipped`);
          this.cut++;
          pos += total;
          continue;
        }
        const hi = dv.getUint32(pos + 12, le);
        const lo = dv.getUint32(pos + 16, le);
        if (ifc.nsPerUnit === 1000 && hi < 0x200000) {
          // Microseconds (the default), timestamp below 2^53: one division.
          const ts = hi * TWO32 + lo;
          let s = Math.floor(ts / 1e6);
          let f = ts - s * 1e6;
          if (f < 0) { s--; f += 1e6; }
          tsSec[n] = s + ifc.tsOffset;
          tsNsec[n] = f * 1000;
        } else {
          this.splitTimestamp(ifc, hi, lo);
          tsSec[n] = this.tSec + ifc.tsOffset;
          tsNsec[n] = this.tNsec;
        }
        if (dataLen < orig) this.truncated++;
        offset[n] = pos + 28;
        caplen[n] = dataLen;
        wirelen[n] = orig;
        linkType[n] = ifc.linkType;
        fileOffset[n] = base + pos;
        ifc.records++;
        this.lastSec = tsSec[n];
        this.lastNsec = tsNsec[n];
        n++;
      } else if (type === BlockType.SPB) {
        if (total < 16) { this.error = log.fatal('bad-block-length', base + pos, `simple packet block of ${total} bytes is too short`); break; }
        const ifc = this.interfaces[0];
        if (ifc === undefined) {
          log.report('unknown-interface', base + pos, 'simple packet block in a section without interface; skipped');
          this.cut++;
          pos += total;
          continue;
        }
        const orig = dv.getUint32(pos + 8, le);
        let dataLen = Math.min(orig, total - 16);
        if (ifc.snaplen !== 0 && dataLen > ifc.snaplen) dataLen = ifc.snaplen;
        if (dataLen < orig) this.truncated++;
        log.report('no-timestamp', base + pos, 'simple packet block without timestamp: given the previous record\'s');
        this.noTimestamp++;
        offset[n] = pos + 12;
        caplen[n] = dataLen;
        wirelen[n] = orig;
        tsSec[n] = this.lastSec;
        tsNsec[n] = this.lastNsec;
        linkType[n] = ifc.linkType;
        fileOffset[n] = base + pos;
        ifc.records++;
        n++;
      } else if (type === BlockType.IDB) {
        if (!this.parseInterface(dv, pos, total, le, base)) break;
      } else if (type === BlockType.SHB) {
        if (total < 28) { this.error = log.fatal('bad-block-length', base + pos, `section header block of ${total} bytes is too short`); break; }
        const major = dv.getUint16(pos + 12, le);
        const minor = dv.getUint16(pos + 14, le);
        if (major !== 1) {
          this.error = log.fatal('unsupported-version', base + pos, `unsupported pcapng version ${major}.${minor}`);
          break;
        }
        this.endSection();
        this.sections++;
        this.littleEndian = le;
      } else {
        this.skippedBlocks++;
        if (type !== BlockType.NRB && type !== BlockType.ISB && type !== BlockType.DSB && type !== BlockType.CB && type !== BlockType.CB_NOCOPY) {
          // One reason for every unknown type, so a corrupt file cannot grow the issue list.
          log.report('skipped-unknown-block', base + pos, `block of unknown type 0x${type.toString(16)} skipped (first of its kind)`);
        }
      }
      pos += total;
    }
    batch.count = n;
    return pos;
  }

  /** Splits a 64-bit count of `ifc` units into whole seconds and nanoseconds (floored), exactly. */
  private splitTimestamp(ifc: PcapngInterface, hi: number, lo: number): void {
    const R = ifc.unitsPerSecond;
    if (ifc.unitsBig !== null) {
      const ts = (BigInt(hi) << 32n) | BigInt(lo);
      const Rb = ifc.unitsBig;
      const s = ts / Rb;
      this.tSec = Number(s);
      this.tNsec = Number(((ts - s * Rb) * 1000000000n) / Rb);
      return;
    }
    let s: number, f: number;
    if (hi < 0x200000) {
      const ts = hi * TWO32 + lo;
      s = Math.floor(ts / R);
      f = ts - s * R;
    } else {
      // Long division in 16-bit digits keeps every intermediate below 2^53 (R <= 2^31).
      const q1 = Math.floor(hi / R);
      const r1 = hi - q1 * R;
      const x2 = r1 * 65536 + (lo >>> 16);
      let q2 = Math.floor(x2 / R);
      let r2 = x2 - q2 * R;
      if (r2 < 0) { q2--; r2 += R; }
      const x3 = r2 * 65536 + (lo & 0xffff);
      let q3 = Math.floor(x3 / R);
      f = x3 - q3 * R;
      if (f < 0) { q3--; f += R; }
      s = q1 * TWO32 + q2 * 65536 + q3;
    }
    if (f < 0) { s--; f += R; } else if (f >= R) { s++; f -= R; }
    this.tSec = s;
    this.tNsec = ifc.nsPerUnit !== 0 ? f * ifc.nsPerUnit : mulDivFloor(f, 1e9, R);
  }

  private parseInterface(dv: DataView, pos: number, total: number, le: boolean, base: number): boolean {
    const log = this.ctx.log;
    if (total < 20) { this.error = log.fatal('bad-block-length', base + pos, `interface description block of ${total} bytes is too short`); return false; }
    if (this.interfaces.length >= MAX_INTERFACES) {
      this.error = log.fatal('too-many-interfaces', base + pos, `more than ${MAX_INTERFACES} interfaces in one section`);
      return false;
    }
    const ifc: PcapngInterface = {
      linkType: dv.getUint16(pos + 8, le),
      snaplen: dv.getUint32(pos + 12, le),
      unitsPerSecond: 1e6,
      unitsBig: null,
      nsPerUnit: 1000,
      tsOffset: 0,
      records: 0,
    };
    let p = pos + 16;
    const optEnd = pos + total - 4;
    while (p + 4 <= optEnd) {
      const code = dv.getUint16(p, le);
      const len = dv.getUint16(p + 2, le);
      if (code === 0) break;
      if (p + 4 + len > optEnd) {
        log.report('bad-option', base + p, `option ${code} of ${len} bytes overruns its block`);
        break;
      }
      if (code === 9 && len >= 1) {
        const v = dv.getUint8(p + 4);
        const exp = v & 0x7f;
        const pow2 = (v & 0x80) !== 0;
        if ((pow2 && exp > 63) || (!pow2 && exp > 19)) {
          log.report('bad-tsresol', base + p, `if_tsresol 0x${v.toString(16)} is out of range; using microseconds`);
        } else if (pow2 ? exp <= 31 : exp <= 9) {
          ifc.unitsPerSecond = pow2 ? 2 ** exp : 10 ** exp;
          ifc.nsPerUnit = 1e9 % ifc.unitsPerSecond === 0 ? 1e9 / ifc.unitsPerSecond : 0;
        } else {
          ifc.unitsBig = pow2 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
          ifc.unitsPerSecond = Number(ifc.unitsBig);
          ifc.nsPerUnit = 0;
        }
      } else if (code === 14 && len >= 8) {
        const hi = dv.getInt32(p + 4 + (le ? 4 : 0), le);
        const lo = dv.getUint32(p + 4 + (le ? 0 : 4), le);
        ifc.tsOffset = hi * TWO32 + lo;
      }
      p += 4 + ((len + 3) & ~3);
    }
    this.interfaces.push(ifc);
    return true;
  }

  private endSection(): void {
    for (const ifc of this.interfaces) {
      if (ifc.records > 0) this.linkCounts[ifc.linkType] = (this.linkCounts[ifc.linkType] ?? 0) + ifc.records;
    }
    this.interfaces = [];
  }

  finish(_buf: Uint8Array, pos: number, end: number, base: number): void {
    if (this.error) return;
    if (this.skip > 0) {
      this.ctx.log.report('cut-record', this.skipStart, `last block cut short: ${this.skip} bytes missing`);
      this.cut++;
      return;
    }
    if (end <= pos) return;
    this.cut++;
    this.ctx.log.report('cut-record', base + pos,
      `last block cut short: ${end - pos} of ${this.pending > end - pos ? this.pending : '?'} bytes present`);
  }

  linkTypeCounts(into: Record<number, number>): void {
    const add = (lt: number, k: number) => { if (k > 0) into[lt] = (into[lt] ?? 0) + k; };
    for (const [lt, k] of Object.entries(this.linkCounts)) add(Number(lt), k);
    for (const ifc of this.interfaces) add(ifc.linkType, ifc.records);
  }
}

/** floor(a * b / d) exactly (only for timestamp units that do not divide a nanosecond count). */
function mulDivFloor(a: number, b: number, d: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(d));
}
