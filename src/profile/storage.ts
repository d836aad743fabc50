import type { PacketBatch } from '../capture/batch';
import { encodeTable, OutputFormat } from '../output/formats';
import type { FeatureTable } from '../output/table';

/** The output formats whose size is profiled. */
export const STORAGE_FORMATS: readonly OutputFormat[] = ['jsonl', 'csv', 'parquet'];

/** Bytes of a table in each output format (encoded in memory with `encodeTable`). */
export function formatSizes(table: FeatureTable, formats: readonly OutputFormat[] = STORAGE_FORMATS): Record<OutputFormat, number> {
  const out = { jsonl: NaN, csv: NaN, parquet: NaN } as Record<OutputFormat, number>;
  for (const f of formats) out[f] = table.length === 0 ? 0 : encodeTable(table, f).byteLength;
  return out;
}

/** Bytes per hour of capture time (NaN when the capture spans no time). */
export function perHour(bytes: number, seconds: number): number {
  return seconds > 0 ? (bytes * 3600) / seconds : NaN;
}

/** Size of the traffic itself, for comparison with the feature output. */
export interface CaptureVolume {
  captures: number;
  records: number;
  /** Sum of wire lengths (what crossed the link). */
  wireBytes: number;
  /** Sum of captured lengths (a snaplen cuts them). */
  capturedBytes: number;
  /** A classic pcap of the records as captured: 24-byte file header + 16 bytes and caplen per record. */
  pcapBytes: number;
  /** The same with whole packets (no snaplen): what a full-packet capture of the link costs. */
  pcapFullBytes: number;
  /** Size of the capture files when they are files (0 otherwise). */
  fileBytes: number;
  /**
   * Capture time covered: the sum of the gaps between consecutive packets, a gap longer
   * than `maxGapSeconds` (60 s) counting as no capture; packets slightly out of order add
   * nothing, a jump back by more than that starts a new stretch (a merge of sessions
   * recorded months apart, in any order, covers their durations, not the months between).
   */
  seconds: number;
}

/** Accumulates a CaptureVolume from batches, capture by capture. */
export class VolumeMeter {
  private v: CaptureVolume = { captures: 0, records: 0, wireBytes: 0, capturedBytes: 0, pcapBytes: 0, pcapFullBytes: 0, fileBytes: 0, seconds: 0 };
  private prev = NaN;

  constructor(readonly maxGapSeconds = 60) {}

  /** A new capture starts (`fileBytes`: its file size when known). */
  startCapture(fileBytes = 0): void {
    this.prev = NaN;
    this.v.captures++;
    this.v.fileBytes += fileBytes;
    this.v.pcapBytes += 24;
    this.v.pcapFullBytes += 24;
  }

  addBatch(b: PacketBatch): void {
    const v = this.v, gap = this.maxGapSeconds;
    let prev = this.prev;
    for (let i = 0; i < b.count; i++) {
      const ts = b.tsSec[i] + b.tsNsec[i] * 1e-9;
      const d = ts - prev;
      if (Number.isNaN(d)) prev = ts;
      else if (d > 0) { if (d <= gap) v.seconds += d; prev = ts; }
      else if (d < -gap) prev = ts; // an earlier recording follows: a new stretch of time
      v.wireBytes += b.wirelen[i];
      v.capturedBytes += b.caplen[i];
      v.pcapBytes += 16 + b.caplen[i];
      v.pcapFullBytes += 16 + Math.max(b.wirelen[i], b.caplen[i]);
    }
    this.prev = prev;
    v.records += b.count;
  }

  result(): CaptureVolume {
    return { ...this.v };
  }
}
