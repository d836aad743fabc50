/**
 * A batch of captured packet records, laid out column-wise over one backing buffer.
 *
 * Readers fill a batch and hand it to the consumer; the consumer must finish with it
 * before asking for the next one, because readers reuse the arrays and the buffer
 * (no allocation per packet). Offsets index into `buf`.
 */
export interface PacketBatch {
  /** Bytes the offsets refer to (a chunk of the capture, or a reader-owned scratch buffer). */
  buf: Uint8Array;
  /** Number of valid records in this batch (the arrays may be longer). */
  count: number;
  /** Start of each record's packet data in `buf`. */
  offset: Uint32Array;
  /** Captured length of each record (bytes present in `buf`). */
  caplen: Uint32Array;
  /** Original length on the wire. */
  wirelen: Uint32Array;
  /** Timestamp, whole seconds since the epoch. */
  tsSec: Float64Array;
  /** Timestamp, nanoseconds within the second. */
  tsNsec: Uint32Array;
  /** Link type (LINKTYPE_* numbers of libpcap) of each record; pcapng interfaces may differ. */
  linkType: Uint16Array;
  /** Byte offset of each record's header in its source file (for error messages). */
  fileOffset: Float64Array;
}

export function createBatch(capacity: number, buf: Uint8Array = new Uint8Array(0)): PacketBatch {
  return {
    buf,
    count: 0,
    offset: new Uint32Array(capacity),
    caplen: new Uint32Array(capacity),
    wirelen: new Uint32Array(capacity),
    tsSec: new Float64Array(capacity),
    tsNsec: new Uint32Array(capacity),
    linkType: new Uint16Array(capacity),
    fileOffset: new Float64Array(capacity),
  };
}

/** libpcap LINKTYPE_* values the decoder understands. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** A problem a reader met; `fatal` problems end the capture (everything before is kept). */
export interface CaptureIssue {
  file: string;
  offset: number;
  reason: string;
  message: string;
  fatal: boolean;
}
