/**
 * Worker-thread entry for parallel extraction. Two jobs:
 * - `file`: run a whole capture (parallel captures, one session per file);
 * - `own`: run one capture as worker `shard.index` of `shard.count` (parallel flows): read
 *   every packet, compute features for the owned units only, tag rows with their position.
 * Tables go back as plain columns (FeatureTable.exportColumns).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RefineryConfig } from '../config/config';
import { FeatureTable, transferables } from '../output/table';
import { RowEncoder } from '../output/rowEncoder';
import type { BinRow, RowSink, TextEncoding } from './rows';
import { Float64Column } from '../output/growable';
import { Pipeline } from './pipeline';
import { unpackShared, SharedBatch, LiveReply, WireRow } from './shardedPipeline';
import { extractTable, ExtractResult } from './extract';
import '../features';

export interface WorkerInit {
  /** Modules to require first (users' feature classes register themselves there). */
  modules: string[];
}

interface Job {
  id: number; path: string; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; onlyClasses?: string[];
  /** Encode rows as text lines here instead of sending a table back. */
  encode?: TextEncoding;
}

export type WorkerRequest =
  | (Job & { type: 'file' })
  | (Job & { type: 'own'; shard: { index: number; count: number }; progress: boolean });

type LiveRequest =
  | { type: 'live-start'; shard: { index: number; count: number }; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; capture: string; raw: boolean }
  | ({ type: 'live-batch' } & SharedBatch)
  | { type: 'live-advance'; now: number }
  | { type: 'live-finish' };

const init = workerData as WorkerInit;
for (const m of init.modules) require(m);

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

/** A live run split over workers (ShardedPipeline): this worker's pipeline and the rows since its last reply. */
let live: { pipeline: Pipeline; rows: WireRow[] } | null = null;

function liveMessage(msg: LiveRequest): void {
  if (msg.type === 'live-start') {
    const rows: WireRow[] = [];
    const pipeline = new Pipeline({
      config: msg.config, bins: msg.bins, level: msg.level, capture: msg.capture, raw: msg.raw, shard: msg.shard,
      sink: { row: (r) => { const { columns: _c, level: _l, ...rest } = r; rows.push({ ...rest, values: Float64Array.from(r.values), seq: r.seq! }); } },
    });
    live = { pipeline, rows };
    parentPort!.postMessage({ type: 'live-started', featureColumns: pipeline.featureColumns, serviceColumns: pipeline.serviceColumns });
    return;
  }
  const l = live!;
  if (msg.type === 'live-batch') l.pipeline.processBatch(unpackShared(msg));
  else if (msg.type === 'live-advance') l.pipeline.advanceTo(msg.now);
  else l.pipeline.finish();
  const reply: LiveReply = {
    type: 'live-done', rows: l.rows.splice(0), emitted: l.pipeline.emittedRows, stats: l.pipeline.stats,
    state: l.pipeline.stateBytes(), activeUnits: l.pipeline.activeUnits,
  };
  parentPort!.postMessage(reply);
  if (msg.type === 'live-finish') live = null;
}

parentPort!.on('message', async (msg: WorkerRequest | LiveRequest) => {
  try {
    if (msg.type.startsWith('live-')) { liveMessage(msg as LiveRequest); return; }
    if (msg.type !== 'file' && msg.type !== 'own') return;
    const base = { captures: msg.path, config: msg.config, bins: msg.bins, level: msg.level, raw: msg.raw, onlyClasses: msg.onlyClasses, workers: 1 };
    const rows = new WorkerRows(msg.level, msg.raw, msg.encode, msg.type === 'own');
    if (msg.type === 'file') {
      const r = await extractTable({ ...base, sink: rows });
      const { rows: out, transfer } = rows.reply();
      parentPort!.postMessage({ type: 'file-done', id: msg.id, ...out, ...summary(r) }, transfer);
      return;
    }
    let pipeline: Pipeline | null = null;
    let lastReport = 0;
    const r = await extractTable({
      ...base, shard: msg.shard, sink: rows,
      onPipeline: (p) => { pipeline = p; },
      onProgress: msg.progress ? (p) => {
        const now = performance.now();
        if (now - lastReport < 100) return;
        lastReport = now;
        parentPort!.postMessage({ type: 'progress', id: msg.id, bytesRead: p.bytesRead, records: p.records });
      } : undefined,
    });
    const p = pipeline as Pipeline | null;
    const state = p?.stateBytes() ?? {}, ownedPackets = p?.ownedPackets ?? 0;
    const { rows: out, transfer } = rows.reply();
    parentPort!.postMessage({ type: 'own-done', id: msg.id, ...out, state, ownedPackets, ...summary(r) }, transfer);
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ type: 'error', id: (msg as { id?: number }).id, name: err?.name, message: err?.message ?? String(e), stack: err?.stack });
  }
});
