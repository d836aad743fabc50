import type { PacketBatch } from './batch';
import type { CaptureError, IssueLog } from './errors';

export type CaptureFormat = 'pcap' | 'pcapng';

/** Default limit on one record's captured length: 256 KiB, the largest snaplen libpcap and Wireshark use. */
export const DEFAULT_MAX_RECORD_BYTES = 262144;

/**
 * Incremental record parser shared by the pcap and pcapng readers. The caller owns the bytes and
 * feeds windows of them; the parser keeps only format state (byte order, interfaces, ...).
 */
export interface RecordParser {
  readonly format: CaptureFormat;
  /**
   * After `parse` returned: bytes, counted from the returned position, that the next record needs.
   * Greater than the bytes that were left when parsing stopped for lack of data; 0 when it stopped
   * because the batch was full or on an error.
   */
  pending: number;
  /** Set when the capture cannot be read further; the records parsed before it are valid. */
  error: CaptureError | null;
  /**
   * Parses whole records of `buf[pos, end)` into `batch` from `batch.count` on (the caller sets
   * `batch.buf = buf`), until the batch is full, the bytes run out or an error. `base` is the capture
   * offset of `buf[0]`. Returns the position after the last record consumed.
   */
  parse(buf: Uint8Array, pos: number, end: number, base: number, batch: PacketBatch): number;
  /** End of input with `buf[pos, end)` still unparsed (a record cut short, or a header). */
  finish(buf: Uint8Array, pos: number, end: number, base: number): void;
  /** Adds records seen per link type into `into`. */
  linkTypeCounts(into: Record<number, number>): void;
  /** Records whose captured length is below their wire length (snaplen). */
  truncated: number;
  /** Records dropped or cut (last record cut by the end of input, unknown interface, ...). */
  cut: number;
  /** pcapng blocks that are not packets (and not SHB/IDB) and were skipped. */
  skippedBlocks: number;
  /** Records without a timestamp (pcapng SPB), given the previous record's. */
  noTimestamp: number;
}

export interface ParserContext {
  log: IssueLog;
  maxRecordBytes: number;
}

/** A DataView over `buf`, cached while the same buffer is passed again. */
export class ViewCache {
  private last: Uint8Array | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  get(buf: Uint8Array): DataView {
    if (buf !== this.last) {
      this.last = buf;
      this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.dv;
  }
}
