import type { Worker } from 'node:worker_threads';
import type { PacketBatch } from '../capture/batch';
import type { RefineryConfig } from '../config/config';
import type { BinRow, RowSink } from './rows';
import { RunStats, runStatsFrom } from './stats';
import { takeWorkers, returnWorkers, errorFromWorker } from './workerPool';

export interface ShardedPipelineOptions {
  config: RefineryConfig;
  bins?: readonly number[];
  level: 'flow' | 'session';
  capture: string;
  sink: RowSink;
  raw?: boolean;
  workers: number;
  /** Modules each worker requires first (users' feature classes). */
  modules?: string[];
  /** Batches handed to the workers and not yet done by all of them, at most (default 4). */
  inflight?: number;
  /** After the rows up to a batch (or an advance) went to the sink: that point's capture time. */
  onReleased?: (captureTime: number) => void;
}

/** A row as a worker sends it: a BinRow without its column list (the service index names it). */
export type WireRow = Omit<BinRow, 'columns' | 'level'> & { seq: number };

/** What a worker answers after each batch, advance or finish. */
export interface LiveReply {
  type: 'live-done';
  rows: WireRow[];
  /** Bins emitted by all workers so far: every row below this position is now known. */
  emitted: number;
  stats: RunStats;
  state: Record<string, number>;
  activeUnits: number;
}

/**
 * A Pipeline split over worker threads for a stream of batches (live capture): the batch is
 * copied once into shared memory and every worker runs the whole data path on it, feature
 * classes only for its own units (see PipelineOptions.shard). Rows come back tagged with their
 * position in a one-thread run; once every worker is past a batch, the rows before it are
 * released to the sink in that order, so the sink sees what one thread would have given it.
 */
export class ShardedPipeline {
  private workers: Worker[] = [];
  private readonly queues: WireRow[][];
  /** Per message posted: how many workers are done with it, and the emitted-rows bound and capture time. */
  private readonly messages: { done: number; emitted: number; time: number }[] = [];
  /** Messages posted, messages every worker is done with, and replies from each worker. */
  private posted = 0;
  private released = 0;
  private readonly replies: number[];
  private serviceColumns: string[][] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private latest: LiveReply[] = [];
  private now = -Infinity;
  readonly level: 'flow' | 'session';

  constructor(private readonly opts: ShardedPipelineOptions) {
    this.level = opts.level;
    this.queues = Array.from({ length: opts.workers }, () => []);
    this.replies = new Array<number>(opts.workers).fill(0);
  }

  /** Starts the workers; resolves when each has built its pipeline. */
  async start(): Promise<void> {
    const o = this.opts, n = o.workers, modules = o.modules ?? [];
    this.workers = takeWorkers(n, modules);
    const started = this.workers.map((w, k) => new Promise<{ featureColumns: string[]; serviceColumns: string[][] }>((resolve, reject) => {
      w.on('message', (m: { type: string; name?: string; message?: string }) => {
        if (m.type === 'live-started') resolve(m as unknown as { featureColumns: string[]; serviceColumns: string[][] });
        else if (m.type === 'live-done') this.onReply(k, m as LiveReply);
        else if (m.type === 'error') { const e = errorFromWorker(m, k); this.fail(e); reject(e); }
      });
      w.on('error', (e) => { this.fail(e); reject(e); });
      w.on('exit', (code) => { const e = new Error(`worker thread ${k} exited (code ${code})`); this.fail(e); reject(e); });
      w.postMessage({ type: 'live-start', shard: { index: k, count: n }, config: o.config, bins: o.bins, level: o.level, capture: o.capture, raw: !!o.raw });
    }));
    let first: { featureColumns: string[]; serviceColumns: string[][] };
    try {
      [first] = await Promise.all(started);
    } catch (e) {
      await returnWorkers(this.workers, modules, false);
      throw e;
    }
    this.serviceColumns = first.serviceColumns;
    o.sink.begin?.(first.featureColumns);
  }

  /** Hands a batch to every worker; waits while `inflight` batches are still being worked on. */
  async processBatch(batch: PacketBatch): Promise<void> {
    const limit = this.opts.inflight ?? 4;
    while (!this.failure && this.posted - this.released >= limit) await new Promise<void>((r) => { this.wake = r; });
    if (this.failure) throw this.failure;
    const { shared, newest } = packShared(batch);
    if (newest > this.now) this.now = newest;
    this.post({ type: 'live-batch', ...shared }, this.now);
  }

  /** Closes bins whose end has passed at capture time `now` (the live timer). */
  advanceTo(now: number): void {
    if (this.failure) return;
    if (now > this.now) this.now = now;
    this.post({ type: 'live-advance', now }, this.now);
  }

  /** Closes every open bin and flow in the workers, releases the last rows, gives the workers back. */
  async finish(): Promise<void> {
    if (!this.failure) this.post({ type: 'live-finish' }, this.now);
    while (!this.failure && this.released < this.posted) await new Promise<void>((r) => { this.wake = r; });
    await returnWorkers(this.workers, this.opts.modules ?? [], !this.failure);
    if (this.failure) throw this.failure;
  }

  /** Worker 0's counts (every worker sees every packet), rows summed over the workers. */
  get stats(): RunStats {
    if (this.latest.length === 0) return new RunStats();
    const s = runStatsFrom(this.latest[0].stats);
    s.rows = this.latest.reduce((a, r) => a + (r?.stats.rows ?? 0), 0);
    return s;
  }

  /** Feature state per class summed over the workers (each also holds a whole flow table). */
  stateBytes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.latest) if (r) for (const [k, v] of Object.entries(r.state)) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  get activeUnits(): number {
    return this.latest[0]?.activeUnits ?? 0;
  }

  /** Capture time of the newest packet (or advance) handed to the workers. */
  get captureTime(): number {
    return this.now;
  }

  private post(msg: Record<string, unknown>, time: number): void {
    this.messages.push({ done: 0, emitted: 0, time });
    this.posted++;
    for (const w of this.workers) w.postMessage(msg);
  }

  private onReply(k: number, r: LiveReply): void {
    for (const row of r.rows) this.queues[k].push(row);
    this.latest[k] = r;
    // Replies come in message order: worker k's count of replies tells which message this was.
    const m = this.messages[this.replies[k]++ - this.released];
    m.done++;
    m.emitted = r.emitted;
    while (this.messages.length > 0 && this.messages[0].done === this.workers.length) {
      const done = this.messages.shift()!;
      this.released++;
      this.releaseBelow(done.emitted);
      this.opts.onReleased?.(done.time);
    }
    const f = this.wake;
    if (f) { this.wake = null; f(); }
  }

  /** Sends the rows below position `bound` to the sink, in position order (a merge of the workers' queues). */
  private releaseBelow(bound: number): void {
    const q = this.queues, sink = this.opts.sink;
    const heads = new Int32Array(q.length);
    for (;;) {
      let best = -1;
      for (let k = 0; k < q.length; k++) {
        const row = q[k][heads[k]];
        if (row !== undefined && row.seq < bound && (best < 0 || row.seq < q[best][heads[best]].seq)) best = k;
      }
      if (best < 0) break;
      const w = q[best][heads[best]++];
      sink.row({ ...w, level: this.level, columns: this.serviceColumns[w.serviceIndex] });
    }
    for (let k = 0; k < q.length; k++) if (heads[k]) q[k].splice(0, heads[k]);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const f = this.wake;
    if (f) { this.wake = null; f(); }
  }
}

/** A batch copied once into shared memory (every worker reads the same bytes). */
export interface SharedBatch { count: number; data: SharedArrayBuffer; meta: SharedArrayBuffer }

/** A batch copied once into shared memory, and its newest packet time (one pass over the records). */
function packShared(b: PacketBatch): { shared: SharedBatch; newest: number } {
  const n = b.count;
  let newest = -Infinity;
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += b.caplen[i];
  const data = new SharedArrayBuffer(Math.max(1, bytes));
  // Per record: offset, caplen, wirelen, link type (Uint32 x4); then seconds (Float64), then nanoseconds (Uint32).
  const meta = new SharedArrayBuffer(Math.max(8, n * 28));
  const d = new Uint8Array(data), u32 = new Uint32Array(meta, 0, n * 4), sec = new Float64Array(meta, n * 16, n), ns = new Uint32Array(meta, n * 24, n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const cap = b.caplen[i];
    d.set(b.buf.subarray(b.offset[i], b.offset[i] + cap), at);
    u32[4 * i] = at; u32[4 * i + 1] = cap; u32[4 * i + 2] = b.wirelen[i]; u32[4 * i + 3] = b.linkType[i];
    sec[i] = b.tsSec[i]; ns[i] = b.tsNsec[i];
    const ts = b.tsSec[i] + b.tsNsec[i] * 1e-9;
    if (ts > newest) newest = ts;
    at += cap;
  }
  return { shared: { count: n, data, meta }, newest };
}

/** The worker side of packShared: a PacketBatch over the shared bytes. */
export function unpackShared(s: SharedBatch): PacketBatch {
  const n = s.count;
  const u32 = new Uint32Array(s.meta, 0, n * 4);
  const offset = new Uint32Array(n), caplen = new Uint32Array(n), wirelen = new Uint32Array(n), linkType = new Uint16Array(n);
  for (let i = 0; i < n; i++) { offset[i] = u32[4 * i]; caplen[i] = u32[4 * i + 1]; wirelen[i] = u32[4 * i + 2]; linkType[i] = u32[4 * i + 3]; }
  return {
    buf: new Uint8Array(s.data), count: n, offset, caplen, wirelen, linkType,
    tsSec: new Float64Array(s.meta, n * 16, n), tsNsec: new Uint32Array(s.meta, n * 24, n), fileOffset: new Float64Array(n),
  };
}
