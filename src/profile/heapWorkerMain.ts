/**
 * Entry of the heap-measurement Worker (see heapWorker.ts): runs the no-class reference
 * and every requested run over the captures, reading the heap at sampled instants.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { extractTable } from '../pipeline/extract';
import type { RowSink } from '../pipeline/rows';
import type { HeapJob, HeapMessage, HeapReading, HeapResult } from './heapWorker';
import { InstantSampler, servedUnits } from './stateMeter';
import '../features';

function obtainGc(): { gc: () => void; how: string } {
  // Array buffers freed by a GC are otherwise swept on a background thread, so
  // memoryUsage().arrayBuffers right after gc() may still count dead ones (seen: +1.6 MB).
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { gc: g, how: 'globalThis.gc (--expose-gc)' };
  setFlagsFromString('--expose-gc');
  const f = runInNewContext('gc') as unknown;
  if (typeof f !== 'function') throw new Error('cannot obtain gc() in the worker');
  return { gc: f as () => void, how: "v8.setFlagsFromString('--expose-gc') + vm.runInNewContext('gc')" };
}

const OBJECT_SPACES = /^(new_space|old_space|large_object_space|new_large_object_space|map_space|shared_space|shared_large_object_space)$/;

function heapNow(gc: () => void): { js: number; external: number } {
  gc();
  let js = 0;
  for (const s of getHeapSpaceStatistics()) if (OBJECT_SPACES.test(s.space_name)) js += s.space_used_size;
  return { js, external: process.memoryUsage().arrayBuffers };
}

const discard: RowSink = { begin() {}, row() {} };

async function runOnce(job: HeapJob, gc: () => void, config: HeapJob['baseConfig'], onlyClasses: string[] | undefined): Promise<HeapReading[]> {
  const readings: HeapReading[] = [];
  let base = { js: 0, external: 0 };
  const sampler = new InstantSampler(job.binSeconds, (p, info) => {
    if (!info.final && info.instant % job.stride !== 0) return;
    const units = servedUnits(p);
    const m = heapNow(gc);
    readings.push({ ...info, units, js: m.js - base.js, external: m.external - base.external });
  });
  base = heapNow(gc);
  const r = await extractTable({
    captures: job.captures, config, bins: job.bins, level: job.level, onlyClasses, sink: discard,
    reader: { batchSize: job.batchSize },
    onPipeline: (p, c) => sampler.attach(p, c),
    onBatch: (p, b) => sampler.afterBatch(p, b),
  });
  if (r.errors.length) throw new Error(r.errors.map((e) => e.message).join('; '));
  return readings;
}

async function main(): Promise<void> {
  const job = workerData as HeapJob;
  const post = (m: HeapMessage) => parentPort!.postMessage(m);
  const result: HeapResult = { reference: [], runs: [], gc: '' };
  try {
    for (const m of job.modules) {
      const spec = typeof m === 'string' ? { module: m } : m;
      const mod = require(spec.module) as Record<string, unknown>;
      if (spec.call) {
        const f = mod[spec.call];
        if (typeof f !== 'function') throw new Error(`${spec.module} exports no function ${spec.call}`);
        (f as (...a: unknown[]) => unknown)(...(spec.args ?? []));
      }
    }
    const { gc, how } = obtainGc();
    result.gc = how;
    const total = job.runs.length + 1;
    // An unmeasured first pass loads and compiles the shared code paths.
    await runOnce({ ...job, stride: Number.MAX_SAFE_INTEGER }, () => {}, job.baseConfig, []);
    post({ type: 'progress', index: 0, total, name: '(no classes)' });
    result.reference = await runOnce(job, gc, job.baseConfig, []);
    for (let i = 0; i < job.runs.length; i++) {
      const run = job.runs[i];
      post({ type: 'progress', index: i + 1, total, name: run.name });
      try {
        result.runs.push({ name: run.name, readings: await runOnce(job, gc, run.config, run.onlyClasses) });
      } catch (e) {
        result.runs.push({ name: run.name, readings: [], error: (e as Error).message });
      }
    }
  } catch (e) {
    result.error = (e as Error).message;
  }
  post({ type: 'done', result });
}

void main();
