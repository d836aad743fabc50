/**
 * Trains the trees of a forest, on the main thread or on worker threads.
 *
 * The binned table and the targets live in SharedArrayBuffers, so workers read them without copies;
 * each worker grows the trees it is handed (dynamic assignment, one tree queued ahead) and transfers
 * the finished flat arrays back. Workers are pooled across fits. A tree depends only on (seed, tree index) and the table, and results
 * are stored by index, so any number of threads gives the same forest.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BinnedTable } from './quantize';
import { TreeBuilder, type FlatTree, type GrowParams } from './tree';

export interface TrainJob {
  table: BinnedTable;
  /** Class codes or regression targets (SharedArrayBuffer-backed for workers). */
  y: Uint16Array | Float64Array;
  params: GrowParams;
  nEstimators: number;
}

export interface TrainedTrees {
  trees: FlatTree[];
  importances: Float64Array[];
}

/** What a worker needs for one training job (typed arrays over SharedArrayBuffers are shared). */
export interface WorkerInit {
  table: BinnedTable;
  y: Uint16Array | Float64Array;
  params: GrowParams;
}

/** Messages to a worker. */
export type WorkerRequest =
  | { kind: 'init'; jobId: number; init: WorkerInit }
  | { kind: 'tree'; jobId: number; index: number }
  | { kind: 'release'; jobId: number };

/** Messages from a worker: a grown tree, or an error. */
export type WorkerReply =
  | {
      kind: 'tree';
      jobId: number;
      index: number;
      nNodes: number;
      nOut: number;
      feature: Int32Array;
      threshold: Float64Array;
      left: Int32Array;
      right: Int32Array;
      value: Float32Array | Float64Array;
      importances: Float64Array;
    }
  | { kind: 'error'; jobId: number; message: string; stack?: string };

/** Path of the compiled worker entry, next to this module. */
export const WORKER_PATH = path.join(__dirname, 'worker.js');

export function trainOnMainThread(job: TrainJob): TrainedTrees {
  const builder = new TreeBuilder(job.table, job.y, job.params);
  const trees: FlatTree[] = new Array(job.nEstimators);
  const importances: Float64Array[] = new Array(job.nEstimators);
  for (let t = 0; t < job.nEstimators; t++) {
    const g = builder.grow(t);
    trees[t] = g.tree;
    importances[t] = g.importances;
  }
  return { trees, importances };
}

/**
 * A process-wide pool of forest workers, started on first use and kept (unref'd, so they never
 * keep the process alive) so that repeated fits in a sweep pay neither thread start-up nor JIT
 * warm-up again. Jobs run one at a time, each on up to `threads` workers.
 */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private nextJobId = 1;

  run(job: TrainJob, nWorkers: number): Promise<TrainedTrees> {
    const p = this.queue.then(() => this.runNow(job, nWorkers));
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Terminates the idle workers (they are recreated on demand). */
  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private drop(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
  }

  private runNow(job: TrainJob, nWorkers: number): Promise<TrainedTrees> {
    while (this.workers.length < nWorkers) {
      const w = new Worker(WORKER_PATH);
      w.unref();
      // a worker that dies while idle just leaves the pool
      w.on('exit', () => this.drop(w));
      w.on('error', () => this.drop(w));
      this.workers.push(w);
    }
    const ws = this.workers.slice(0, nWorkers);
    const jobId = this.nextJobId++;
    const n = job.nEstimators;
    const trees: FlatTree[] = new Array(n);
    const importances: Float64Array[] = new Array(n);
    const init: WorkerInit = { table: job.table, y: job.y, params: job.params };

    return new Promise<TrainedTrees>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let settled = false;
      const detach: Array<() => void> = [];
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        for (const d of detach) d();
        if (err) reject(err);
        else resolve({ trees, importances });
      };
      for (const w of ws) {
        const onMessage = (msg: WorkerReply): void => {
          if (settled || msg.jobId !== jobId) return;
          if (msg.kind === 'error') {
            const err = new Error(`forest worker failed: ${msg.message}`);
            if (msg.stack) err.stack = msg.stack;
            settle(err);
            return;
          }
          trees[msg.index] = {
            nNodes: msg.nNodes,
            nOut: msg.nOut,
            feature: msg.feature,
            threshold: msg.threshold,
            left: msg.left,
            right: msg.right,
            value: msg.value,
          };
          importances[msg.index] = msg.importances;
          done++;
          if (next < n) w.postMessage({ kind: 'tree', jobId, index: next++ } satisfies WorkerRequest);
          if (done === n) settle(null);
        };
        const onError = (err: unknown): void => settle(err instanceof Error ? err : new Error(String(err)));
        const onExit = (code: number): void => settle(new Error(`forest worker exited with code ${code} during training`));
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        w.ref();
        detach.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          w.postMessage({ kind: 'release', jobId } satisfies WorkerRequest);
          w.unref();
        });
        w.postMessage({ kind: 'init', jobId, init } satisfies WorkerRequest);
        // one tree to grow and one queued ahead
        if (next < n) w.postMessage({ kind: 'tree', jobId, index: next++ } satisfies WorkerRequest);
        if (next < n) w.postMessage({ kind: 'tree', jobId, index: next++ } satisfies WorkerRequest);
      }
    });
  }
}

let pool: WorkerPool | null = null;
let warnedMissingWorker = false;

/**
 * Trains on `threads` worker threads of the shared pool (falls back to the main thread when threads
 * is 1, there is a single tree, or the compiled worker file is missing, e.g. when running from
 * TypeScript sources).
 */
export function trainOnWorkers(job: TrainJob, threads: number): Promise<TrainedTrees> {
  const nWorkers = Math.min(threads, job.nEstimators);
  if (nWorkers <= 1) return Promise.resolve(trainOnMainThread(job));
  if (!fs.existsSync(WORKER_PATH)) {
    if (!warnedMissingWorker) {
      warnedMissingWorker = true;
      process.emitWarning(`forest worker ${WORKER_PATH} not found; training on the main thread`);
    }
    return Promise.resolve(trainOnMainThread(job));
  }
  pool ??= new WorkerPool();
  return pool.run(job, nWorkers);
}

/** Stops the pooled forest workers (optional: idle workers never keep the process alive). */
export async function closeForestWorkers(): Promise<void> {
  if (pool) await pool.close();
}
