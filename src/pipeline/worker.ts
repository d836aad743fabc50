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
import { Float64Column } from '../output/growable';
import type { Pipeline } from './pipeline';
import { extractTable, ExtractResult } from './extract';
import '../features';

export interface WorkerInit {
  /** Modules to require first (users' feature classes register themselves there). */
  modules: string[];
}

interface Job { id: number; path: string; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; onlyClasses?: string[] }

export type WorkerRequest =
  | (Job & { type: 'file' })
  | (Job & { type: 'own'; shard: { index: number; count: number }; progress: boolean });

const init = workerData as WorkerInit;
for (const m of init.modules) require(m);

/** What every reply carries besides the table. */
function summary(r: ExtractResult) {
  return { stats: r.stats, errors: r.errors.map((e) => ({ file: e.file, offset: e.offset, reason: e.reason, message: e.message })), issues: r.issues };
}

parentPort!.on('message', async (msg: WorkerRequest) => {
  try {
    const base = { captures: msg.path, config: msg.config, bins: msg.bins, level: msg.level, raw: msg.raw, onlyClasses: msg.onlyClasses, workers: 1 };
    if (msg.type === 'file') {
      const r = await extractTable(base);
      const table = r.table.exportColumns();
      parentPort!.postMessage({ type: 'file-done', id: msg.id, table, ...summary(r) }, transferables(table));
      return;
    }
    const table = new FeatureTable(msg.level, { raw: msg.raw });
    const seq = new Float64Column(1024);
    let pipeline: Pipeline | null = null;
    let lastReport = 0;
    const r = await extractTable({
      ...base, shard: msg.shard,
      sink: { begin: (cols) => table.begin(cols), row: (row) => { table.row(row); seq.push(row.seq!); } },
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
    const out = table.exportColumns(), order = seq.values().slice();
    parentPort!.postMessage({ type: 'own-done', id: msg.id, table: out, seq: order, state, ownedPackets, ...summary(r) }, [...transferables(out), order.buffer]);
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ type: 'error', id: (msg as { id?: number }).id, name: err?.name, message: err?.message ?? String(e), stack: err?.stack });
  }
});
