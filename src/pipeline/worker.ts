/**
 * Worker-thread entry for parallel extraction (jobs.ts): `file` runs a whole capture (parallel
 * captures); `follow` runs a follower of a split capture (parallel flows: the leader's ops for
 * this worker's units, rows tagged with their position); `live-*` run a live pipeline's share
 * (ShardedPipeline). Tables go back as plain columns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RefineryConfig } from '../config/config';
import { Pipeline } from './pipeline';
import { unpackShared, SharedBatch, LiveReply, WireRow } from './shardedPipeline';
import { runFileJob, runFollowJob, FileJob, FollowJob } from './jobs';
import { workerErrorMessage } from './workerPool';
import '../features';

export interface WorkerInit {
  /** Modules to require first (users' feature classes register themselves there). */
  modules: string[];
}

export type WorkerRequest = FileJob | FollowJob;

type LiveRequest =
  | { type: 'live-start'; shard: { index: number; count: number }; config: RefineryConfig; bins?: number[]; level: 'flow' | 'session'; capture: string; raw: boolean }
  | ({ type: 'live-batch' } & SharedBatch)
  | { type: 'live-advance'; now: number }
  | { type: 'live-finish' };

const init = workerData as WorkerInit;
for (const m of init.modules) require(m);

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
    if (msg.type === 'file') {
      const { reply, transfer } = await runFileJob(msg);
      parentPort!.postMessage(reply, transfer);
    } else if (msg.type === 'follow') {
      const { reply, transfer } = await runFollowJob(msg);
      parentPort!.postMessage(reply, transfer);
    }
  } catch (e) {
    parentPort!.postMessage(workerErrorMessage(e, (msg as { id?: number }).id));
  }
});
