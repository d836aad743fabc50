/**
 * The extraction jobs a worker thread runs (and the main thread, for its own share of a
 * split capture): a whole file, or one capture as worker `shard.index` of `shard.count`.
 * Each returns a reply of plain data plus the buffers to transfer with it.
 */
import type { RefineryConfig } from '../config/config';
import { FeatureTable, transferables } from '../output/table';
import { RowEncoder } from '../output/rowEncoder';
import { Float64Column } from '../output/growable';
import type { BinRow, RowSink, TextEncoding } from './rows';
import type { Pipeline } from './pipeline';
import { extractTable, ExtractResult } from './extract';
import '../features';

export interface Job {
  id: number; path: string; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; onlyClasses?: string[];
  /** Encode rows as text lines here instead of sending a table back. */
  encode?: TextEncoding;
}

export type FileJob = Job & { type: 'file' };
export type ShardJob = Job & { type: 'own'; shard: { index: number; count: number } };

/** What every reply carries besides the rows. */
function summary(r: ExtractResult) {
  return { stats: r.stats, errors: r.errors.map((e) => ({ file: e.file, offset: e.offset, reason: e.reason, message: e.message })), issues: r.issues };
}

/**
 * Where a worker's rows go: a FeatureTable sent back as columns, or, when the caller's sink
 * writes text, lines encoded here (formatting numbers is much of an output's cost).
 * Rows of a split run also record their position in a one-thread run.
 */
class WorkerRows implements RowSink {
  private readonly table: FeatureTable | null;
  private encoder: RowEncoder | null = null;
  private featureColumns: readonly string[] = [];
  private readonly seq = new Float64Column(1024);
  /** Encoded lines: UTF-8 chunks of about 64 KiB, each line's byte length, the lines of the open chunk. */
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  private readonly lengths = new Float64Column(1024);
  private pending = '';
  private pendingLines: string[] = [];

  constructor(level: 'flow' | 'session', raw: boolean, private readonly encode: TextEncoding | undefined, private readonly keepSeq: boolean) {
    this.table = encode ? null : new FeatureTable(level, { raw });
  }

  begin(cols: readonly string[]): void {
    this.featureColumns = [...cols];
    if (this.table) this.table.begin(cols);
    else this.encoder = new RowEncoder(this.encode!, cols);
  }

  row(r: BinRow): void {
    if (this.table) this.table.row(r);
    else {
      const line = this.encoder!.encode(r);
      this.pending += line;
      this.pendingLines.push(line);
      if (this.pending.length >= 1 << 16) this.flush();
    }
    if (this.keepSeq) this.seq.push(r.seq!);
  }

  /** The open chunk to UTF-8 (lines are built by concatenation: bytes keep memory flat). */
  private flush(): void {
    if (this.pendingLines.length === 0) return;
    const chunk = Buffer.from(this.pending, 'utf8');
    const ascii = chunk.length === this.pending.length;
    for (const l of this.pendingLines) this.lengths.push(ascii ? l.length : Buffer.byteLength(l, 'utf8'));
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.pending = '';
    this.pendingLines = [];
  }

  /** The reply's rows and the buffers to transfer with it. */
  reply(): { rows: Record<string, unknown>; transfer: ArrayBuffer[] } {
    const seq = this.seq.values();
    const transfer: ArrayBuffer[] = this.keepSeq ? [seq.buffer as ArrayBuffer] : [];
    if (this.table) {
      const table = this.table.exportColumns({ share: true });
      return { rows: { table, seq }, transfer: [...transferables(table), ...transfer] };
    }
    this.flush();
    // One buffer of our own (Buffer's small-allocation pool must not be transferred).
    const bytes = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) { bytes.set(c, at); at += c.length; }
    const lengths = this.lengths.values();
    return {
      rows: { text: { featureColumns: this.featureColumns, bytes, lengths }, seq },
      transfer: [bytes.buffer, lengths.buffer as ArrayBuffer, ...transfer],
    };
  }
}

/** A whole capture (parallel captures). */
export async function runFileJob(job: FileJob): Promise<{ reply: Record<string, unknown>; transfer: ArrayBuffer[] }> {
  const rows = new WorkerRows(job.level, job.raw, job.encode, false);
  const r = await extractTable({ ...baseOf(job), sink: rows });
  const { rows: out, transfer } = rows.reply();
  return { reply: { type: 'file-done', id: job.id, ...out, ...summary(r) }, transfer };
}

/** One capture as one worker of a split run; `onProgress` gets the bytes read (about every 100 ms). */
export async function runShardJob(job: ShardJob, onProgress?: (bytesRead: number, records: number) => void): Promise<{ reply: Record<string, unknown>; transfer: ArrayBuffer[] }> {
  const rows = new WorkerRows(job.level, job.raw, job.encode, true);
  let pipeline: Pipeline | null = null;
  let lastReport = 0;
  const r = await extractTable({
    ...baseOf(job), shard: job.shard, sink: rows,
    onPipeline: (p) => { pipeline = p; },
    onProgress: onProgress ? (p) => {
      const now = performance.now();
      if (now - lastReport < 100) return;
      lastReport = now;
      onProgress(p.bytesRead, p.records);
    } : undefined,
  });
  const p = pipeline as Pipeline | null;
  const state = p?.stateBytes() ?? {}, ownedPackets = p?.ownedPackets ?? 0;
  const { rows: out, transfer } = rows.reply();
  return { reply: { type: 'own-done', id: job.id, ...out, state, ownedPackets, ...summary(r) }, transfer };
}

function baseOf(job: Job) {
  return { captures: job.path, config: job.config, bins: job.bins, level: job.level, raw: job.raw, onlyClasses: job.onlyClasses, workers: 1 };
}
