import type { PacketBatch } from './batch';
import type { CaptureError } from './errors';
import { ParserContext, RecordParser, ViewCache } from './parser';

/** Magic numbers of classic libpcap files, as read big-endian from the first four bytes. */
export const PcapMagic = {
  /** Microsecond timestamps, file written big-endian. */
  MICRO_BE: 0xa1b2c3d4,
  /** Microsecond timestamps, file written little-endian (bytes d4 c3 b2 a1). */
  MICRO_LE: 0xd4c3b2a1,
  /** Nanosecond timestamps, big-endian. */
  NANO_BE: 0xa1b23c4d,
  /** Nanosecond timestamps, little-endian (bytes 4d 3c b2 a1). */
  NANO_LE: 0x4d3cb2a1,
} as const;

/** True when the first four bytes (read big-endian) are one of the classic pcap magics. */
export function isPcapMagic(m: number): boolean {
  return m === PcapMagic.MICRO_BE || m === PcapMagic.MICRO_LE || m === PcapMagic.NANO_BE || m === PcapMagic.NANO_LE;
}

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * Parser of classic libpcap captures: 24-byte file header, then 16-byte record headers
 * (seconds, micro- or nanoseconds, captured length, wire length) each followed by the packet.
 * Both byte orders, µs and ns magics; the link type is the low 16 bits of the header's field
 * (the upper bits carry the FCS flag and length, and are masked off).
 */
export class PcapParser implements RecordParser {
  readonly format = 'pcap' as const;
  pending = FILE_HEADER;
  error: CaptureError | null = null;
  truncated = 0;
  cut = 0;
  skippedBlocks = 0;
  noTimestamp = 0;
  /** Header fields, valid once the file header was parsed. */
  littleEndian = true;
  nanosecond = false;
  linkType = 0;
  snaplen = 0;
  versionMajor = 0;
  versionMinor = 0;
  /** Raw link-type field, including the FCS bits. */
  linkTypeField = 0;
  private headerDone = false;
  private records = 0;
  private readonly views = new ViewCache();

  constructor(private readonly ctx: ParserContext) {}

  parse(buf: Uint8Array, pos: number, end: number, base: number, batch: PacketBatch): number {
    if (this.error) return pos;
    const dv = this.views.get(buf);
    if (!this.headerDone) {
      if (end - pos < FILE_HEADER) { this.pending = FILE_HEADER; return pos; }
      if (!this.parseHeader(dv, pos, base)) return pos;
      pos += FILE_HEADER;
    }
    const le = this.littleEndian;
    const limit = this.ctx.maxRecordBytes;
    const fracMax = this.nanosecond ? 1e9 : 1e6;
    const mult = this.nanosecond ? 1 : 1000;
    const lt = this.linkType;
    const snaplen = this.snaplen;
    const { offset, caplen, wirelen, tsSec, tsNsec, linkType, fileOffset } = batch;
    const cap = offset.length;
    let n = batch.count;
    const n0 = n;
    let trunc = 0;
    this.pending = 0;
    while (n < cap) {
      const avail = end - pos;
      if (avail < RECORD_HEADER) { this.pending = RECORD_HEADER; break; }
      const incl = dv.getUint32(pos + 8, le);
      if (incl > limit) {
        this.error = this.ctx.log.fatal('record-too-large', base + pos,
          `record length ${incl} exceeds the limit of ${limit} bytes (snaplen ${snaplen}; maxRecordBytes)`);
        break;
      }
      if (avail - RECORD_HEADER < incl) { this.pending = RECORD_HEADER + incl; break; }
      let sec = dv.getUint32(pos, le);
      let frac = dv.getUint32(pos + 4, le);
      const orig = dv.getUint32(pos + 12, le);
      if (frac >= fracMax) {
        this.ctx.log.report('timestamp-fraction-overflow', base + pos,
          `timestamp fraction ${frac} is not below ${fracMax}; carried into the seconds`);
        sec += Math.floor(frac / fracMax);
        frac %= fracMax;
      }
      if (incl < orig) trunc++;
      else if (incl > orig) this.ctx.log.report('caplen-exceeds-wirelen', base + pos, `captured length ${incl} exceeds wire length ${orig}`);
      if (incl > snaplen && snaplen !== 0) this.ctx.log.report('caplen-exceeds-snaplen', base + pos, `captured length ${incl} exceeds the snaplen ${snaplen}`);
      tsSec[n] = sec;
      tsNsec[n] = frac * mult;
      offset[n] = pos + RECORD_HEADER;
      caplen[n] = incl;
      wirelen[n] = orig;
      linkType[n] = lt;
      fileOffset[n] = base + pos;
      n++;
      pos += RECORD_HEADER + incl;
    }
    this.records += n - n0;
    this.truncated += trunc;
    batch.count = n;
    return pos;
  }

  private parseHeader(dv: DataView, pos: number, base: number): boolean {
    const magic = dv.getUint32(pos, false);
    if (!isPcapMagic(magic)) {
      this.error = this.ctx.log.fatal('not-a-capture', base + pos, 'not a pcap or pcapng file');
      return false;
    }
    const le = magic === PcapMagic.MICRO_LE || magic === PcapMagic.NANO_LE;
    this.littleEndian = le;
    this.nanosecond = magic === PcapMagic.NANO_BE || magic === PcapMagic.NANO_LE;
    this.versionMajor = dv.getUint16(pos + 4, le);
    this.versionMinor = dv.getUint16(pos + 6, le);
    if (this.versionMajor < 2) {
      this.error = this.ctx.log.fatal('unsupported-version', base + pos,
        `unsupported pcap version ${this.versionMajor}.${this.versionMinor}`);
      return false;
    }
    if (this.versionMajor !== 2 || this.versionMinor !== 4) {
      this.ctx.log.report('unusual-version', base + pos + 4, `pcap version ${this.versionMajor}.${this.versionMinor} (expected 2.4)`);
    }
    this.snaplen = dv.getUint32(pos + 16, le);
    this.linkTypeField = dv.getUint32(pos + 20, le);
    this.linkType = this.linkTypeField & 0xffff;
    this.headerDone = true;
    return true;
  }

  finish(buf: Uint8Array, pos: number, end: number, base: number): void {
    if (this.error || end <= pos) return;
    if (!this.headerDone) {
      this.error = this.ctx.log.fatal('truncated-header', base + pos, `file header cut short: ${end - pos} of ${FILE_HEADER} bytes`);
      return;
    }
    this.cut++;
    const dv = this.views.get(buf);
    const need = end - pos >= RECORD_HEADER ? RECORD_HEADER + dv.getUint32(pos + 8, this.littleEndian) : RECORD_HEADER;
    this.ctx.log.report('cut-record', base + pos,
      `last record cut short: ${end - pos} of ${need} bytes present (${end - pos < RECORD_HEADER ? 'in its header' : 'in its data'})`);
  }

  linkTypeCounts(into: Record<number, number>): void {
    if (this.records > 0) into[this.linkType] = (into[this.linkType] ?? 0) + this.records;
  }
}
