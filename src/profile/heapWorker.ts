import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RefineryConfig } from '../config/config';

/**
 * State measured on the V8 heap, in an isolated run.
 *
 * Each run happens in a `worker_threads` Worker (its own V8 isolate, so its heap holds
 * only this run). Node refuses `--expose-gc` in a Worker's `execArgv`
 * (ERR_WORKER_INVALID_EXEC_ARGV: V8 flags are per process), so the worker turns the flag on
 * with `v8.setFlagsFromString('--expose-gc')` and takes `gc` from a fresh context
 * (`vm.runInNewContext('gc')`); if that fails it uses `globalThis.gc` (node --expose-gc).
 *
 * At each sampled collection instant (the same instants as the self-reported state,
 * every `stride`-th one plus the end of each capture) the worker forces a full GC
 * and reads
 *   - `js`: used bytes of the isolate's object spaces (`v8.getHeapSpaceStatistics()`:
 *     new, old, large-object spaces; code and read-only spaces are left out so that JIT
 *     code compiled during the run is not taken for state), and
 *   - `external`: `process.memoryUsage().arrayBuffers`, per isolate in a worker.
 * Typed arrays keep their elements in ArrayBuffer backing stores outside the V8 heap
 * ("external" memory; only arrays of 64 bytes or less live on the heap), so a class
 * whose state is in Float64Arrays shows almost nothing in used_heap_size: the heap
 * figure must add the external bytes to be comparable with `stateBytes()`.
 *
 * Readings are relative to a baseline taken (after GC) just before the run. A class's
 * heap state is its run's reading minus the reading of a run with no classes at the
 * same instant, which removes the flow table, the reader's buffers and everything
 * else the pipeline holds.
 */
export const HEAP_METHOD = 'isolated worker per run; at sampled instants a forced full GC (synchronous array-buffer sweeping), then object-space used bytes (new+old+large-object spaces, no code space) + process.memoryUsage().arrayBuffers (typed-array backing stores are external), minus a pre-run baseline, minus a no-class run at the same instant';

export type HeapModule = string | { module: string; call?: string; args?: unknown[] };

export interface HeapRunSpec {
  name: string;
  config: RefineryConfig;
  onlyClasses?: string[];
}

export interface HeapJob {
  captures: string[];
  /** Config of the no-class reference run (any run's config: services decide which flows are served). */
  baseConfig: RefineryConfig;
  runs: HeapRunSpec[];
  bins?: number[];
  level: 'flow' | 'session';
  binSeconds: number;
  /** Read every `stride`-th instant (and every end-of-capture instant). */
  stride: number;
  batchSize: number;
  /** Modules to require in the worker first: classes registered only in the caller are unknown there. */
  modules: HeapModule[];
}

export interface HeapReading {
  capture: string;
  instant: number;
  t: number;
  tRel: number;
  final: number;
  units: number;
  /** Bytes above the run's baseline: object spaces, and array buffers (external). */
  js: number;
  external: number;
}

export interface HeapRunResult {
  name: string;
  readings: HeapReading[];
  error?: string;
}

export interface HeapResult {
  reference: HeapReading[];
  runs: HeapRunResult[];
  /** How gc() was obtained. */
  gc: string;
  error?: string;
}

export type HeapMessage =
  | { type: 'progress'; index: number; total: number; name: string }
  | { type: 'done'; result: HeapResult };

/** Runs the heap measurement of `job` in a Worker; `onProgress(done, total, name)` per run. */
export function measureHeap(job: HeapJob, onProgress?: (done: number, total: number, name: string) => void): Promise<HeapResult> {
  return new Promise((resolve) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      resolve({ reference: [], runs: [], gc: '', error: message });
    };
    let worker: Worker;
    try {
      worker = new Worker(join(__dirname, 'heapWorkerMain.js'), { workerData: job, stdout: false, stderr: false });
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    worker.on('message', (m: HeapMessage) => {
      if (m.type === 'progress') onProgress?.(m.index, m.total, m.name);
      else if (!settled) { settled = true; resolve(m.result); }
    });
    worker.on('error', (e) => fail(`heap worker: ${e.message}`));
    worker.on('exit', (code) => fail(`heap worker exited with code ${code} before reporting`));
  });
}
