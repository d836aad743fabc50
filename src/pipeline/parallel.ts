import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { basename } from 'node:path';
import { openCapture } from '../capture/reader';
import { CaptureError } from '../capture/errors';
import type { CaptureIssue } from '../capture/batch';
import type { RefineryConfig } from '../config/config';
import { FeatureTable, ExportedTable } from '../output/table';
import type { BinRow, RowSink } from './rows';
import { RunStats, runStatsFrom } from './stats';
import { Sharder, packShard } from './shard';

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
}

export interface ParallelResult {
  table: FeatureTable;
  stats: RunStats;
  errors: CaptureError[];
  issues: CaptureIssue[];
  /** Feature state per class summed over the workers (sharded runs). */
  stateBytes?: Record<string, number>;
}

function spawn(modules: string[]): Worker {
  return new Worker(join(__dirname, 'worker.js'), { workerData: { modules } });
}

/**
 * Parallel captures: a pool of workers, each running whole files (one session per file).
 * Results are appended in the order of `paths`, so output does not depend on timing.
 */
export async function extractFilesParallel(paths: string[], job: ParallelJob): Promise<ParallelResult> {
  const n = Math.max(1, Math.min(job.workers, paths.length));
  const results: ({ table: ExportedTable; stats: RunStats; errors: { file: string; offset: number; reason: string; message: string }[]; issues: CaptureIssue[] } | undefined)[] = new Array(paths.length);
  let next = 0, done = 0;
  const pool = Array.from({ length: n }, () => spawn(job.modules));
  try {
    await Promise.all(pool.map((w) => new Promise<void>((resolve, reject) => {
      const give = () => {
        if (next >= paths.length) { resolve(); return; }
        const id = next++;
        w.postMessage({ type: 'file', id, path: paths[id], config: job.config, bins: job.bins, level: job.level, raw: job.raw, onlyClasses: job.onlyClasses });
      };
      w.on('message', (m: { type: string; id: number; message?: string }) => {
        if (m.type === 'error') { reject(new Error(`worker: ${m.message}`)); return; }
        if (m.type === 'file-done') {
          results[m.id] = m as unknown as (typeof results)[number];
          job.onFileDone?.(++done, paths.length, basename(paths[m.id]));
          give();
        }
      });
      w.on('error', reject);
      give();
    })));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  const table = new FeatureTable(job.level, { raw: job.raw });
  const stats = new RunStats();
  const errors: CaptureError[] = [];
  const issues: CaptureIssue[] = [];
  for (const r of results) {
    if (!r) continue;
    table.append(FeatureTable.fromExported(r.table));
    stats.add(runStatsFrom(r.stats));
    for (const e of r.errors) errors.push(new CaptureError(e.file, e.offset, e.reason, e.message.replace(`${e.file}: `, '').replace(/ \(byte offset \d+\)$/, '')));
    issues.push(...r.issues);
  }
  return { table, stats, errors, issues };
}

/**
 * Parallel flows: the main thread reads the capture and deals each packet to the worker
 * that owns its flow (symmetric hash, like NIC RSS; the client address at session level);
 * DNS responses go to every worker so each service map learns them. Each worker owns its
 * part of the flow table and feature state; bins are merged at the end and put in a
 * canonical order. At most `inflight` batches wait per worker (bounded memory).
 */
export async function extractSharded(source: string, label: string, job: ParallelJob, inflight = 4): Promise<ParallelResult> {
  const n = job.workers;
  const workers = Array.from({ length: n }, () => spawn(job.modules));
  const pending = new Array<number>(n).fill(0);
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  const finals: Promise<{ table: ExportedTable; stats: RunStats; state: Record<string, number> }>[] = [];
  const finalResolvers: ((v: { table: ExportedTable; stats: RunStats; state: Record<string, number> }) => void)[] = [];
  workers.forEach((w, k) => {
    finals.push(new Promise((resolve) => finalResolvers.push(resolve)));
    w.on('message', (m: { type: string; message?: string; table?: ExportedTable; stats?: RunStats; state?: Record<string, number> }) => {
      if (m.type === 'ack') { pending[k]--; if (wake) { const f = wake; wake = null; f(); } }
      else if (m.type === 'shard-done') finalResolvers[k]({ table: m.table!, stats: m.stats!, state: m.state! });
      else if (m.type === 'error') { failure = new Error(`worker ${k}: ${m.message}`); if (wake) { const f = wake; wake = null; f(); } }
    });
    w.on('error', (e) => { failure = e; if (wake) { const f = wake; wake = null; f(); } });
    w.postMessage({ type: 'shard-start', config: job.config, bins: job.bins, level: job.level, raw: job.raw, capture: label, onlyClasses: job.onlyClasses });
  });
  const sharder = new Sharder(n, job.level === 'session', job.config.localPrefixes, job.config.localMacs, job.config.flowEvictSeconds);
  const errors: CaptureError[] = [];
  let issues: CaptureIssue[] = [];
  let captureIssues: Record<string, number> = {};
  const t0 = performance.now();
  const reader = openCapture(source, { name: source });
  try {
    const idx = Array.from({ length: n }, () => new Int32Array(8192));
    const learn = Array.from({ length: n }, () => new Uint8Array(8192));
    const counts = new Int32Array(n);
    const flag = { dns: false };
    try {
      for await (const batch of reader) {
        if (idx[0].length < batch.count) for (let k = 0; k < n; k++) { idx[k] = new Int32Array(batch.count); learn[k] = new Uint8Array(batch.count); }
        counts.fill(0);
        for (let i = 0; i < batch.count; i++) {
          const owner = sharder.shardOf(batch, i, flag);
          if (flag.dns) {
            for (let k = 0; k < n; k++) { idx[k][counts[k]] = i; learn[k][counts[k]++] = k === owner ? 0 : 1; }
          } else {
            idx[owner][counts[owner]] = i; learn[owner][counts[owner]++] = 0;
          }
        }
        for (let k = 0; k < n; k++) {
          if (counts[k] === 0) continue;
          while (pending[k] >= inflight && !failure) await new Promise<void>((r) => { wake = r; });
          if (failure) throw failure;
          const msg = packShard(batch, idx[k], learn[k], counts[k]);
          pending[k]++;
          workers[k].postMessage(msg, [msg.data, msg.meta]);
        }
        job.onBytes?.(reader.stats.bytesRead, reader.stats.records);
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors.push(e);
    }
    issues = reader.issues.filter((i) => !i.fatal);
    captureIssues = reader.stats.issues;
    for (const w of workers) w.postMessage({ type: 'shard-finish' });
    const parts = await Promise.all(finals);
    if (failure) throw failure;
    const table = new FeatureTable(job.level, { raw: job.raw });
    const stats = new RunStats();
    const state: Record<string, number> = {};
    for (const p of parts) {
      table.append(FeatureTable.fromExported(p.table));
      stats.add(runStatsFrom(p.stats));
      for (const [k, v] of Object.entries(p.state)) state[k] = (state[k] ?? 0) + v;
    }
    stats.elapsedMs = performance.now() - t0;
    stats.captureIssues = captureIssues;
    table.sortCanonical();
    return { table, stats, errors, issues, stateBytes: state };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Feeds the rows of a table to a sink, as a pipeline would have. */
export function replayRows(table: FeatureTable, sink: RowSink): void {
  const features = table.featureColumns;
  sink.begin?.(features);
  const col = (c: string) => (table.columns.includes(c) ? table.column(c) : null);
  const [cap, svc, proto, lip, lport, rip, rport, cat, flows, size, start] =
    ['capture', 'service', 'protocol', 'local_ip', 'local_port', 'remote_ip', 'remote_port', 'categorized_by', 'flows', 'bin_size', 'bin_start'].map(col);
  const fcols = features.map((f) => table.column(f) as Float64Array);
  const row: BinRow = {
    level: table.level, capture: '', service: '', serviceIndex: -1, unit: -1, binSize: 0, binStart: 0, protocol: '', localIp: '', localPort: 0,
    remoteIp: '', remotePort: 0, categorizedBy: '', flows: 0, columns: features, values: new Float64Array(features.length), raw: null,
  };
  for (let i = 0; i < table.length; i++) {
    row.capture = String(cap?.[i] ?? ''); row.service = String(svc?.[i] ?? ''); row.protocol = String(proto?.[i] ?? '');
    row.localIp = String(lip?.[i] ?? ''); row.localPort = Number(lport?.[i] ?? 0); row.remoteIp = String(rip?.[i] ?? '');
    row.remotePort = Number(rport?.[i] ?? 0); row.categorizedBy = String(cat?.[i] ?? ''); row.flows = Number(flows?.[i] ?? 0);
    row.binSize = Number(size?.[i] ?? 0); row.binStart = Number(start?.[i] ?? 0);
    for (let j = 0; j < fcols.length; j++) row.values[j] = fcols[j][i];
    row.raw = table.raw[i] ?? null;
    sink.row(row);
  }
}
