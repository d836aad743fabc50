/**
 * The rows of a split capture written in place: each row goes straight to its position in a
 * one-thread run (its `seq`), in row-major chunks of shared memory that the leader allocates
 * as its row count grows and hands to the followers beside its ops. The leader also keeps the
 * string columns of every row (it knows every row's unit); each thread writes the numbers of
 * the rows it owns. At the end the chunks become the table as they are: no merge, no copy.
 */
import { FeatureTable } from '../output/table';
import { RowLayout, STAGE_ROWS } from '../output/rowStage';
import type { BinRow, RowSink } from './rows';

export interface SharedRowsOptions {
  level: 'flow' | 'session';
  raw: boolean;
  /** Leader: called with each chunk it allocates (to send to the followers). */
  onChunk?: (index: number, chunk: SharedArrayBuffer) => void;
  /** Follower: the chunk of this index, from the leader (waits for its message). */
  chunk?: (index: number) => SharedArrayBuffer;
}

export class SharedRows implements RowSink {
  /** Rows whose numbers this side wrote. */
  rows = 0;
  private layout: RowLayout | null = null;
  private featureColumns: readonly string[] = [];
  private readonly chunks: Float64Array[] = [];
  /** Leader: string columns of every row, in row order. */
  private readonly strings: Record<string, string[]> = {};
  /** Raw per-class data of this side's rows, with their positions. */
  readonly rawRows: { seq: number; raw: Record<string, unknown> | null }[] = [];
  private readonly leader: boolean;

  constructor(private readonly opts: SharedRowsOptions) {
    this.leader = !!opts.onChunk;
    const names = opts.level === 'flow' ? ['capture', 'service', 'protocol', 'local_ip', 'remote_ip', 'categorized_by'] : ['capture', 'service', 'local_ip'];
    for (const n of names) this.strings[n] = [];
  }

  begin(featureColumns: readonly string[]): void {
    this.featureColumns = [...featureColumns];
    this.layout = FeatureTable.rowLayout(this.opts.level, featureColumns);
  }

  /** A row this side owns: its numbers (and, on the leader, its strings). */
  row(r: BinRow): void {
    const seq = r.seq!;
    this.layout!.write(this.chunkOf(seq), seq % STAGE_ROWS, r);
    this.rows++;
    if (this.opts.raw) this.rawRows.push({ seq, raw: r.raw ? { ...r.raw } : null });
    if (this.leader) this.pushStrings(r);
  }

  /** Leader: a row a follower owns (it writes the numbers): its strings. */
  rowMeta(r: BinRow): void {
    this.chunkOf(r.seq!);
    this.pushStrings(r);
  }

  /** Leader: the table of all `length` rows once every follower is done; `raw` from all sides. */
  table(length: number, followerRaw: { seq: number; raw: Record<string, unknown> | null }[][]): FeatureTable {
    let raw: (Record<string, unknown> | null)[] | null = null;
    if (this.opts.raw) {
      raw = new Array<Record<string, unknown> | null>(length).fill(null);
      for (const part of [this.rawRows, ...followerRaw]) for (const { seq, raw: x } of part) raw[seq] = x;
    }
    return FeatureTable.fromStaged(this.opts.level, this.featureColumns, this.strings, this.chunks, length, raw);
  }

  private pushStrings(r: BinRow): void {
    const s = this.strings;
    s.capture.push(r.capture);
    s.service.push(r.service);
    s.local_ip.push(r.localIp);
    if (this.opts.level === 'flow') {
      s.protocol.push(r.protocol);
      s.remote_ip.push(r.remoteIp);
      s.categorized_by.push(r.categorizedBy);
    }
  }

  private chunkOf(seq: number): Float64Array {
    const k = Math.floor(seq / STAGE_ROWS);
    let c = this.chunks[k];
    if (c !== undefined) return c;
    let sab: SharedArrayBuffer;
    if (this.opts.onChunk) {
      // The leader meets every row in order: chunk k starts with its first row.
      sab = new SharedArrayBuffer(8 * STAGE_ROWS * this.layout!.stride);
      this.opts.onChunk(k, sab);
    } else {
      sab = this.opts.chunk!(k);
    }
    c = this.chunks[k] = new Float64Array(sab);
    return c;
  }
}
