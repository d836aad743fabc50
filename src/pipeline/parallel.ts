import { basename } from 'node:path';
import { MessageChannel, MessagePort } from 'node:worker_threads';
import { CaptureError } from '../capture/errors';
import type { CaptureIssue } from '../capture/batch';
import type { RefineryConfig } from '../config/config';
import { FeatureTable, ExportedTable } from '../output/table';
import type { TextRowSink } from './rows';
import { RunStats, runStatsFrom } from './stats';
import { takeWorkers, returnWorkers, errorFromWorker } from './workerPool';
import { runLeadJob, Job } from './jobs';
import { Relay, FollowerFailed, relayMemory } from './relay';
import { resolveBins } from './serviceRuntime';
import type { SharedRows } from './sharedRows';
import { OrderedLines } from './orderedLines';

/** What parallel runs need from the caller's options. */
export interface ParallelJob {
  config: RefineryConfig;
  bins?: number[];
  level: 'flow' | 'session';
  raw: boolean;
  onlyClasses?: string[];
  workers: number;
  /** Modules each worker requires first (users' feature classes). */
  modules: string[];
  onFileDone?: (done: number, total: number, capture: string) => void;
  onBytes?: (bytesRead: number, records: number) => void;
  /**
   * A sink that takes encoded lines (CSV, JSON lines): workers encode their rows and the
   * lines are written here in order; the returned table is then empty, as when a sink is
   * given to a one-thread run.
   */
  text?: TextRowSink;
  /**
   * Split runs: ring sizes of the leader's ops, in ints and nums (powers of two), and how many
   * batch slots of each kind it may fill ahead of the followers (at least 2). Tests use tiny ones.
   */
  ring?: { ints: number; nums: number; slots?: { columns: number; bytes: number } };
}

/** Rows as a worker sends them: a table, or encoded lines with their lengths. */
interface WorkerRowsReply {
  table?: ExportedTable;
  text?: { featureColumns: string[]; bytes: Uint8Array; lengths: Int32Array };
}

export interface ParallelResult {
  table: FeatureTable;
  stats: RunStats;
  errors: CaptureError[];
  issues: CaptureIssue[];
  /** Feature state per class summed over the workers (sharded runs). */
  stateBytes?: Record<string, number>;
  /** Sharded runs: each worker's own time and the merge's, in ms (how well the work split). */
  timing?: ParallelTiming;
}

export interface ParallelTiming {
  workerMs: number[];
  rowsPerWorker: number[];
  /** Packets each worker ran feature classes on (the split of the work). */
  packetsPerWorker: number[];
  /**
   * Time each worker waited for the other side (ms): the leader (worker 0) for a follower to
   * catch up, a follower for the leader's ops. Idle time, the cost of an uneven split.
   */
  waitMs: number[];
  mergeMs: number;
  /** Feature state per class at the end, summed over the workers (the leader also holds the flow table). */
  stateBytes: Record<string, number>;
  /** Split capture: shared memory holding the leader's batches for the followers at the end (bytes). */
  batchBytes?: number;
}

type Exported<T> = T & WorkerRowsReply & { stats: RunStats; errors: { file: string; offset: number; reason: string; message: string }[]; issues: CaptureIssue[] };

function captureErrorFrom(e: { file: string; offset: number; reason: string; message: string }): CaptureError {
  return new CaptureError(e.file, e.offset, e.reason, e.message.replace(`${e.file}: `, '').replace(/ \(byte offset \d+\)$/, ''));
}

/**
 * Runs one request per worker (or a queue of them over a pool) and collects the replies
 * of type `done`; forwards `progress` messages. Any worker error rejects the whole run. `role`
 * keeps workers of one kind of job apart in the pool (see workerPool.ts).
 */
export async function runOnWorkers<R, P = { bytesRead: number; records: number }>(n: number, modules: string[], requests: readonly object[], done: string,
  onDone: (reply: R, id: number) => void, onProgress?: (m: P & { id: number }) => void, script?: string, transfer?: (id: number) => MessagePort[], role?: string): Promise<void> {
  const workers = takeWorkers(Math.max(1, Math.min(n, requests.length)), modules, script, role);
  let healthy = true;
  let next = 0;
  try {
    await Promise.all(workers.map((w, k) => new Promise<void>((resolve, reject) => {
      const give = () => {
        if (next >= requests.length) { resolve(); return; }
        const id = next++;
        w.postMessage({ ...requests[id], id }, transfer?.(id));
      };
      w.on('message', (m: { type: string; id: number; name?: string; message?: string; stack?: string }) => {
        if (m.type === 'error') {
          healthy = false;
          reject(errorFromWorker(m, k));
          return;
        }
        if (m.type === 'progress') { onProgress?.(m as unknown as P & { id: number }); return; }
        if (m.type === done) { onDone(m as unknown as R, m.id); give(); }
      });
      w.on('error', (e) => { healthy = false; reject(e); });
      // A worker that ends on its own (process.exit in a user's module, out of memory) must not leave the run waiting.
      w.on('exit', (code) => { healthy = false; reject(new Error(`worker thread ${k} exited (code ${code}) during the run`)); });
      give();
    })));
  } catch (e) {
    healthy = false;
    throw e;
  } finally {
    await returnWorkers(workers, modules, healthy, script, role);
  }
}

/**
 * Parallel captures: a pool of workers, each running whole files (one session per file).
 * Results are appended in the order of `paths`, so output does not depend on timing.
 */
export async function extractFilesParallel(paths: string[], job: ParallelJob): Promise<ParallelResult> {
  const results: (Exported<object> | undefined)[] = new Array(paths.length);
  let done = 0, written = 0;
  const encode = job.text?.textEncoding ?? undefined;
  const requests = paths.map((path) => ({ type: 'file', path, config: job.config, bins: job.bins, level: job.level, raw: job.raw, onlyClasses: job.onlyClasses, encode }));
  await runOnWorkers<Exported<object>>(job.workers, job.modules, requests, 'file-done', (r, id) => {
    results[id] = r;
    job.onFileDone?.(++done, paths.length, basename(paths[id]));
    // Encoded lines go out as soon as every earlier file's have: file order, bounded memory.
    while (job.text && written < paths.length && results[written]) {
      const t = results[written]!.text!;
      if (written === 0) job.text.begin?.(t.featureColumns);
      job.text.writeEncoded(t.bytes, t.lengths.length);
      results[written++]!.text = undefined;
    }
  });
  const finished = results.filter((r): r is Exported<object> => r !== undefined);
  const table = finished.length && !job.text ? FeatureTable.gather(finished.map((r) => r.table!)) : new FeatureTable(job.level, { raw: job.raw });
  const stats = new RunStats();
  const errors: CaptureError[] = [];
  const issues: CaptureIssue[] = [];
  for (const r of finished) {
    stats.add(runStatsFrom(r.stats));
    for (const e of r.errors) errors.push(captureErrorFrom(e));
    issues.push(...r.issues);
  }
  return { table, stats, errors, issues };
}

/**
 * Parallel flows, for one capture (relay.ts): this thread leads, running the whole data path
 * once and the feature classes of the units it keeps; worker threads follow, running the
 * classes of the other units as the leader's ops say. Flow and session boundaries, evictions
 * and the order bins close in are those of one thread; each row carries its position in a
 * one-thread run, so the merge restores that order exactly.
 */
export async function extractSharded(path: string, job: ParallelJob): Promise<ParallelResult> {
  const n = job.workers;
  type Part = Exported<{ state: Record<string, number>; ownedPackets: number; waitMs: number; batchBytes?: number; shared?: SharedRows; rawRows?: SharedRows['rawRows'] }>;
  const parts: Part[] = new Array(n);
  const base: Job = { id: 0, path, config: job.config, bins: job.bins, level: job.level, raw: job.raw, onlyClasses: job.onlyClasses, encode: job.text?.textEncoding ?? undefined };
  const memory = relayMemory(n - 1, job.ring?.ints, job.ring?.nums);
  const channels = Array.from({ length: n - 1 }, () => new MessageChannel());
  const relay = new Relay(channels.map((c) => c.port1), memory, leaderWeight(job.config, job.bins), { labels: !!job.text, slots: job.ring?.slots });
  const requests = channels.map((c, i) => ({ ...base, type: 'follow', k: i + 1, port: c.port2, memory }));
  // Text output streams in order as the threads make it (orderedLines.ts).
  const lines = job.text ? new OrderedLines(job.text, job.text.textEncoding!, channels.map((c) => c.port1)) : undefined;
  const remote = runOnWorkers<Part>(n - 1, job.modules, requests, 'own-done', (r, id) => { parts[id + 1] = r; },
    undefined, undefined, (id) => [channels[id].port2], 'follow');
  remote.catch(() => { /* awaited below */ });
  try {
    try {
      // The leader's run blocks this thread until done; the followers' replies wait in the queue meanwhile.
      parts[0] = (await runLeadJob(base, relay, job.onBytes, lines)).reply as unknown as Part;
    } catch (e) {
      // A follower's failure stopped the leader: report the follower's own error.
      if (e instanceof FollowerFailed) await remote;
      throw e;
    }
    await remote;
    relay.store.recycle();
    // Every follower posted its last lines before its reply.
    lines?.finish();
  } finally {
    for (const c of channels) c.port1.close();
  }
  const state: Record<string, number> = {};
  let rows = 0;
  for (const p of parts) {
    rows += p.stats.rows;
    for (const [k, v] of Object.entries(p.state)) state[k] = (state[k] ?? 0) + v;
  }
  const t0 = performance.now();
  // Every thread wrote its rows in place (or its lines, already written): the table is the shared chunks as they are.
  const table = job.text ? new FeatureTable(job.level, { raw: job.raw }) : parts[0].shared!.table(rows, parts.slice(1).map((p) => p.rawRows ?? []));
  const timing = {
    workerMs: parts.map((p) => p.stats.elapsedMs), rowsPerWorker: parts.map((p) => p.stats.rows),
    packetsPerWorker: parts.map((p) => p.ownedPackets), waitMs: parts.map((p) => p.waitMs), mergeMs: performance.now() - t0, stateBytes: state,
    batchBytes: parts[0].batchBytes,
  };
  // The leader saw every packet: its counts are the run's, except rows (each worker's own).
  const stats = runStatsFrom(parts[0].stats);
  stats.rows = rows;
  return { table, stats, errors: parts[0].errors.map(captureErrorFrom), issues: parts[0].issues, stateBytes: state, timing };
}

/**
 * The leader's starting weight for its own data path, in class calls per packet, tuned during
 * the run. Its data path costs about a third of a packet's feature work in the full video
 * configuration (0.36 class calls per class and bin size); starting lower, the leader took
 * too many of the first units and followers idled until the weight caught up (bench/parallel:
 * follower idle 127 -> 90 ms median over 16 rounds, 182 MB split).
 */
function leaderWeight(config: RefineryConfig, bins: number[] | undefined): number {
  return 0.36 * resolveBins(bins, config).length * Math.max(1, ...config.services.map((s) => s.collect.length));
}

