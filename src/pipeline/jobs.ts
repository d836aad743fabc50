/**
 * The extraction jobs of parallel runs: a whole file (in a worker thread), and the two sides
 * of a split capture: the leader (the calling thread) and its followers (worker threads).
 * Each returns a reply of plain data plus the buffers to transfer with it.
 */
import { basename } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { RefineryConfig } from '../config/config';
import { FeatureTable, transferables } from '../output/table';
import { RowEncoder } from '../output/rowEncoder';
import { ByteLines } from '../output/byteLines';
import type { BinRow, RowSink, TextEncoding } from './rows';
import type { Pipeline } from './pipeline';
import { extractTable, ExtractResult } from './extract';
import { RunStats } from './stats';
import { followerFailed, Relay, RelayMemory } from './relay';
import { Follower } from './follower';
import { resolveBins } from './serviceRuntime';
import { SharedRows } from './sharedRows';
import { FollowerLines, OrderedLines } from './orderedLines';
import '../features';

export interface Job {
  id: number; path: string; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; onlyClasses?: string[];
  /** Encode rows as text lines here instead of sending a table back. */
  encode?: TextEncoding;
}

export type FileJob = Job & { type: 'file' };
/** Follower `k` of a split run: its end of the leader's op channel and the shared counters. */
export type FollowJob = Job & { type: 'follow'; k: number; port: MessagePort; memory: RelayMemory };

/** What every reply carries besides the rows. */
function summary(r: ExtractResult) {
  return { stats: r.stats, errors: r.errors.map((e) => ({ file: e.file, offset: e.offset, reason: e.reason, message: e.message })), issues: r.issues };
}

/**
 * Where a worker's rows go (parallel captures): a FeatureTable sent back as columns, or, when
 * the caller's sink writes text, lines encoded here (formatting numbers is much of an output's cost).
 */
class WorkerRows implements RowSink {
  private readonly table: FeatureTable | null;
  private encoder: RowEncoder | null = null;
  private featureColumns: readonly string[] = [];
  private readonly lines = new ByteLines();

  constructor(level: 'flow' | 'session', raw: boolean, private readonly encode: TextEncoding | undefined) {
    this.table = encode ? null : new FeatureTable(level, { raw });
  }

  begin(cols: readonly string[]): void {
    this.featureColumns = [...cols];
    if (this.table) this.table.begin(cols);
    else this.encoder = new RowEncoder(this.encode!, cols);
  }

  row(r: BinRow): void {
    if (this.table) this.table.row(r);
    else this.encoder!.encodeInto(r, this.lines);
  }

  /** The reply's rows and the buffers to transfer with it. */
  reply(): { rows: Record<string, unknown>; transfer: ArrayBuffer[] } {
    if (this.table) {
      const table = this.table.exportColumns({ share: true });
      return { rows: { table }, transfer: transferables(table) };
    }
    const { lines: bytes, lengths } = this.lines.take();
    return {
      rows: { text: { featureColumns: this.featureColumns, bytes, lengths } },
      transfer: [bytes.buffer as ArrayBuffer, lengths.buffer as ArrayBuffer],
    };
  }
}

/** A whole capture (parallel captures). */
export async function runFileJob(job: FileJob): Promise<{ reply: Record<string, unknown>; transfer: ArrayBuffer[] }> {
  const rows = new WorkerRows(job.level, job.raw, job.encode);
  const r = await extractTable({ ...baseOf(job), sink: rows });
  const { rows: out, transfer } = rows.reply();
  return { reply: { type: 'file-done', id: job.id, ...out, ...summary(r) }, transfer };
}

/**
 * The leader of a split capture (relay.ts), on the calling thread: the whole data path, and
 * the classes of the units it keeps; rows go to shared chunks (tables) or, for text output,
 * to `lines` (the caller finishes it once the followers are done). `onProgress` gets the
 * bytes read (about every 100 ms).
 */
export async function runLeadJob(job: Job, relay: Relay, onProgress?: (bytesRead: number, records: number) => void, lines?: OrderedLines): Promise<{ reply: Record<string, unknown> }> {
  const shared = lines ? null : new SharedRows({ level: job.level, raw: job.raw, onChunk: (k, c) => relay.attachChunk(k, c) });
  let pipeline: Pipeline | null = null;
  let lastReport = 0;
  let r: ExtractResult;
  try {
    r = await extractTable({
      ...baseOf(job), relay, sink: lines ?? shared!,
      onPipeline: (p) => { pipeline = p; },
      onProgress: (p) => {
        // (A gzip file's bytes read count decompressed bytes: its progress is unknown.)
        if (p.fileBytes > 0 && p.bytesRead <= p.fileBytes) relay.progress = p.bytesRead / p.fileBytes;
        const now = performance.now();
        if (!onProgress || now - lastReport < 100) return;
        lastReport = now;
        onProgress(p.bytesRead, p.records);
      },
    });
  } catch (e) {
    relay.abort();
    throw e;
  }
  const p = pipeline as Pipeline | null;
  const state = p?.stateBytes() ?? {}, ownedPackets = p?.ownedPackets ?? 0;
  // The leader's reply stays on this thread: its shared rows go as they are.
  return { reply: { type: 'own-done', id: 0, shared, state, ownedPackets, waitMs: relay.waitMs, batchBytes: relay.store.memoryBytes, ...summary(r) } };
}

/**
 * A follower of a split capture, in a worker thread: runs the leader's ops for its units, on
 * the leader's batches in shared memory. Capture errors are the leader's to report: at one,
 * the follower finishes the ops the leader sends for what was read before it.
 */
export async function runFollowJob(job: FollowJob): Promise<{ reply: Record<string, unknown>; transfer: ArrayBuffer[] }> {
  const t0 = performance.now();
  // Any failure here (a class that throws, a module that ends the thread) must stop the leader.
  const fail = () => followerFailed(job.memory, job.k);
  process.once('exit', fail);
  let follower: Follower | undefined;
  // Tables: rows written in place in the leader's shared chunks; text: lines posted to the leader.
  const shared = job.encode ? null : new SharedRows({ level: job.level, raw: job.raw, chunk: (k) => follower!.chunk(k) });
  const lines = job.encode ? new FollowerLines(job.encode, job.port) : null;
  try {
    follower = new Follower({
      config: job.config, bins: resolveBins(job.bins, job.config), level: job.level, capture: basename(job.path), raw: job.raw, onlyClasses: job.onlyClasses,
      sink: shared ?? lines!, onBatch: lines ? () => lines.send() : undefined, labels: lines !== null,
    }, job.port, job.memory, job.k);
    follower.runAll();
    lines?.send();
  } catch (e) {
    fail();
    throw e;
  } finally {
    process.off('exit', fail);
    job.port.close();
  }
  const stats = new RunStats();
  stats.rows = follower.rows;
  stats.elapsedMs = performance.now() - t0;
  return { reply: { type: 'own-done', id: job.id, rawRows: shared?.rawRows, waitMs: follower.waitMs, state: follower.stateBytes(), ownedPackets: follower.ownedPackets, stats, errors: [], issues: [] }, transfer: [] };
}

function baseOf(job: Job) {
  return { captures: job.path, config: job.config, bins: job.bins, level: job.level, raw: job.raw, onlyClasses: job.onlyClasses, workers: 1 };
}
