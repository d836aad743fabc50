/**
 * Worker-thread entry for parallel profiling: one run (a class alone or a representation)
 * over every capture file, measured in this thread, sent back as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runPlan, warmUp, RunSettings, ProfileRunReply } from './profile';
import type { RunPlan } from './runs';
import { VolumeMeter } from './storage';
import { NetflowMeter } from './netflow';
import { workerErrorMessage } from '../pipeline/workerPool';
import '../features';

const init = workerData as { modules: string[] };
for (const m of init.modules) require(m);

interface ProfileRunRequest { type: 'profile-run'; id: number; files: string[]; plan: RunPlan; index: number; runs: RunPlan[]; settings: RunSettings }

/** The first job of this thread warms V8 up on every class once, as a sequential profile does. */
let warm = false;

parentPort!.on('message', async (msg: ProfileRunRequest) => {
  try {
    const volume = new VolumeMeter(), netflow = new NetflowMeter(msg.settings.netflowOptions);
    let last = 0;
    const ctx = {
      ...msg.settings, volume, netflow,
      progress: (_phase: 'run' | 'heap', run: string, _index: number, within: number) => {
        const now = performance.now();
        if (now - last < 200) return;
        last = now;
        parentPort!.postMessage({ type: 'progress', id: msg.id, run, within });
      },
    };
    if (!warm) { await warmUp(msg.files[0], msg.runs, ctx, msg.settings.warmupRecords); warm = true; }
    const outcome = await runPlan(msg.files, msg.plan, msg.index, ctx);
    const reply: ProfileRunReply = { index: msg.index, outcome };
    if (msg.index === 0) { reply.volume = volume.result(); reply.netflow = netflow.result(); }
    parentPort!.postMessage({ type: 'profile-run-done', id: msg.id, ...reply });
  } catch (e) {
    parentPort!.postMessage(workerErrorMessage(e, msg.id));
  }
});
