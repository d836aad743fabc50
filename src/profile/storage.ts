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
  /** Capture time covered: sum over captures of last minus first timestamp. */
  seconds: number;
}

/** Accumulates a CaptureVolume from batches, capture by capture. */
export class VolumeMeter {
  private v: CaptureVolume = { captures: 0, records: 0, wireBytes: 0, capturedBytes: 0, pcapBytes: 0, pcapFullBytes: 0, fileBytes: 0, seconds: 0 };
  private first = NaN;
  private last = NaN;

  /** A new capture starts (`fileBytes`: its file size when known). */
  startCapture(fileBytes = 0): void {
    this.endCapture();
    this.v.captures++;
    this.v.fileBytes += fileBytes;
    this.v.pcapBytes += 24;
    this.v.pcapFullBytes += 24;
  }

  addBatch(b: PacketBatch): void {
    const v = this.v;
    for (let i = 0; i < b.count; i++) {
      const ts = b.tsSec[i] + b.tsNsec[i] * 1e-9;
      if (!(ts >= this.first)) this.first = Number.isNaN(this.first) ? ts : Math.min(this.first, ts);
      if (!(ts <= this.last)) this.last = ts;
      v.wireBytes += b.wirelen[i];
      v.capturedBytes += b.caplen[i];
      v.pcapBytes += 16 + b.caplen[i];
      v.pcapFullBytes += 16 + Math.max(b.wirelen[i], b.caplen[i]);
    }
    v.records += b.count;
  }

  endCapture(): void {
    if (!Number.isNaN(this.first)) this.v.seconds += this.last - this.first;
    this.first = NaN;
    this.last = NaN;
  }

  result(): CaptureVolume {
    this.endCapture();
    return { ...this.v };
  }
}
