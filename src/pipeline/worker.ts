/**
 * Worker-thread entry for parallel extraction. Two jobs:
 * - `file`: run a whole capture (parallel captures, one session per file);
 * - `shard`: own a shard of the flows of one capture, fed batches by the main thread.
 * Tables go back as plain columns (FeatureTable.exportColumns).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RefineryConfig } from '../config/config';
import { FeatureTable } from '../output/table';
import { Pipeline } from './pipeline';
import { ShardMessage, unpackShard } from './shard';
import { extractTable } from './extract';
import '../features';

export interface WorkerInit {
  /** Modules to require first (users' feature classes register themselves there). */
  modules: string[];
}

export type WorkerRequest =
  | { type: 'file'; id: number; path: string; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; onlyClasses?: string[] }
  | { type: 'shard-start'; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; raw: boolean; capture: string; onlyClasses?: string[] }
  | ShardMessage
  | { type: 'shard-finish' };

const init = workerData as WorkerInit;
for (const m of init.modules) require(m);

let shard: { pipeline: Pipeline; table: FeatureTable } | null = null;

parentPort!.on('message', async (msg: WorkerRequest) => {
  try {
    switch (msg.type) {
      case 'file': {
        const r = await extractTable({
          captures: msg.path, config: msg.config, bins: msg.bins, level: msg.level, raw: msg.raw, onlyClasses: msg.onlyClasses, workers: 1,
        });
        parentPort!.postMessage({ type: 'file-done', id: msg.id, table: r.table.exportColumns(), stats: r.stats,
          errors: r.errors.map((e) => ({ file: e.file, offset: e.offset, reason: e.reason, message: e.message })), issues: r.issues });
        break;
      }
      case 'shard-start': {
        const table = new FeatureTable(msg.level, { raw: msg.raw });
        const pipeline = new Pipeline({ config: msg.config, bins: msg.bins, level: msg.level, capture: msg.capture, sink: table, raw: msg.raw, onlyClasses: msg.onlyClasses });
        shard = { pipeline, table };
        break;
      }
      case 'batch': {
        const { batch, learnOnly } = unpackShard(msg);
        shard!.pipeline.processBatch(batch, learnOnly);
        parentPort!.postMessage({ type: 'ack' });
        break;
      }
      case 'shard-finish': {
        shard!.pipeline.finish();
        parentPort!.postMessage({ type: 'shard-done', table: shard!.table.exportColumns(), stats: shard!.pipeline.stats, state: shard!.pipeline.stateBytes() });
        shard = null;
        break;
      }
    }
  } catch (e) {
    parentPort!.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
