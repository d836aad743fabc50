/**
 * Worker-thread entry of the forest trainer (compiled to worker.js next to trainer.js). For each
 * job it receives the shared binned table ('init'), grows each tree index posted to it ('tree') and
 * transfers the flat tree back; 'release' drops the job's buffers. Requests for a job it does not
 * hold (e.g. left over after a failed job) are ignored.
 */
import { parentPort } from 'worker_threads';
import { TreeBuilder } from './tree';
import type { WorkerInit, WorkerReply, WorkerRequest } from './trainer';

if (parentPort) {
  const port = parentPort;
  let jobId = 0;
  let init: WorkerInit | null = null;
  let builder: TreeBuilder | null = null;
  port.on('message', (msg: WorkerRequest) => {
    if (msg.kind === 'init') {
      jobId = msg.jobId;
      init = msg.init;
      builder = null;
      return;
    }
    if (msg.kind === 'release') {
      if (msg.jobId === jobId) {
        init = null;
        builder = null;
      }
      return;
    }
    if (msg.jobId !== jobId || init === null) return;
    try {
      builder ??= new TreeBuilder(init.table, init.y, init.params);
      const { tree, importances } = builder.grow(msg.index);
      const reply: WorkerReply = {
        kind: 'tree',
        jobId,
        index: msg.index,
        nNodes: tree.nNodes,
        nOut: tree.nOut,
        feature: tree.feature,
        threshold: tree.threshold,
        left: tree.left,
        right: tree.right,
        value: tree.value,
        importances,
      };
      port.postMessage(reply, [
        tree.feature.buffer as ArrayBuffer,
        tree.threshold.buffer as ArrayBuffer,
        tree.left.buffer as ArrayBuffer,
        tree.right.buffer as ArrayBuffer,
        tree.value.buffer as ArrayBuffer,
        importances.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const reply: WorkerReply = { kind: 'error', jobId, message: err.message, stack: err.stack };
      port.postMessage(reply);
    }
  });
}
