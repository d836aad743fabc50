import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { openCapture, readCaptureSync, BatchStore, CaptureSource, CaptureOptions } from '../capture/reader';
import { CaptureError } from '../capture/errors';
import type { CaptureIssue, PacketBatch } from '../capture/batch';
import { loadConfig, normalizeConfig, RefineryConfig } from '../config/config';
import { FeatureTable, replayRows } from '../output/table';
import { Pipeline } from './pipeline';
import type { Relay } from './relay';
import { textEncodingOf, RowSink, TextRowSink } from './rows';
import { RunStats } from './stats';
import { BUILTIN_FEATURES } from '../features';
import { availableParallelism } from 'node:os';
import { extractFilesParallel, extractSharded, ParallelJob, ParallelResult, ParallelTiming } from './parallel';

export interface ExtractProgress {
  capture: string;
  /** Index of the capture in the list, and how many there are. */
  index: number;
  total: number;
  bytesRead: number;
  /** Size of the capture file when known (0 for streams). */
  fileBytes: number;
  records: number;
}

export interface ExtractOptions {
  /** One capture or several: paths (`'-'` for standard input), Node streams or async byte sources. */
  captures: CaptureSource | CaptureSource[];
  /** A normalized config, a path to a config file, or a config object in the original's format. */
  config?: RefineryConfig | string | Record<string, unknown>;
  /** Bin sizes in seconds (default: the config's, else [10]). */
  bins?: number[];
  /** `flow` rows or `session` rows (default: the config's, else `flow`). */
  level?: 'flow' | 'session';
  /** Keep raw per-bin class data (e.g. segment lists) for JSON output. */
  raw?: boolean;
  /** Where rows go; default: a FeatureTable returned in the result. */
  sink?: RowSink;
  /** Called after each batch. */
  onProgress?: (p: ExtractProgress) => void;
  /** Restrict every service to these feature classes (used by the profiler). */
  onlyClasses?: string[];
  /** Reader options (batch size, chunk size, max record bytes). */
  reader?: CaptureOptions;
  /** Called with each pipeline after it is built (profilers attach meters here). */
  onPipeline?: (p: Pipeline, capture: string) => void;
  /** Called after each batch was processed, with the pipeline (profilers sample state here). */
  onBatch?: (p: Pipeline, batch: PacketBatch) => void;
  /**
   * Worker threads: a number, or 'auto' (default) = the machine's cores. Several capture files
   * go one file per worker; one file larger than `shardMinBytes` is split across workers by
   * unit, this thread leading (output identical to one thread, rows in the same order). 1 runs on the main thread,
   * as do runs with onPipeline/onBatch hooks and standard input.
   */
  workers?: number | 'auto';
  /** Modules every worker requires first: where users' feature classes register themselves. */
  workerModules?: string[];
  /** Smallest single capture split across workers by flow (default 64 MiB). */
  shardMinBytes?: number;
  /** Leader of a split run (relay.ts): the parallel runner sets this. */
  relay?: Relay;
}

export interface ExtractResult {
  table: FeatureTable;
  stats: RunStats;
  /** Fatal capture errors: the capture stopped there, everything before it was processed and emitted. */
  errors: CaptureError[];
  /** Non-fatal capture issues (first occurrence of each reason per capture). */
  issues: CaptureIssue[];
  config: RefineryConfig;
  /** One capture split across workers: each worker's time, rows and the merge's time. */
  parallel?: ParallelTiming;
}

/** Resolves the `config` option into a normalized config. */
export function resolveConfig(config: ExtractOptions['config']): RefineryConfig {
  if (config === undefined) return normalizeConfig({}, '(defaults)');
  if (typeof config === 'string') return loadConfig(config);
  if ('services' in config && 'catchAll' in config) return config as unknown as RefineryConfig;
  return normalizeConfig(config);
}

/**
 * Runs captures through the pipeline and collects the closed bins. Each capture is its
 * own run (flows never span files); rows carry the capture's name. A capture that stops
 * on a fatal error keeps everything read before it (its open bins are flushed).
 */
export async function extractTable(opts: ExtractOptions): Promise<ExtractResult> {
  const config = resolveConfig(opts.config);
  const level = opts.level ?? config.level;
  const captures = Array.isArray(opts.captures) ? opts.captures : [opts.captures];
  const parallel = await tryParallel(opts, config, level, captures);
  if (parallel) return parallel;
  const table = new FeatureTable(level, { raw: opts.raw });
  const sink: RowSink = opts.sink ?? table;
  const stats = new RunStats();
  const errors: CaptureError[] = [];
  const issues: CaptureIssue[] = [];
  let begun = false;
  for (let index = 0; index < captures.length; index++) {
    const source = captures[index];
    const name = opts.reader?.name ?? (typeof source === 'string' ? (source === '-' ? 'stdin' : source) : `stream-${index}`);
    const label = typeof source === 'string' && source !== '-' ? basename(source) : name;
    // Only the first pipeline announces the columns; later ones share the same config.
    const pipeSink: RowSink = begun ? { row: (r) => sink.row(r) } : sink;
    begun = true;
    const pipeline = new Pipeline({ config, bins: opts.bins, level, capture: label, sink: pipeSink, raw: opts.raw, onlyClasses: opts.onlyClasses, relay: opts.relay });
    opts.onPipeline?.(pipeline, label);
    const fileBytes = typeof source === 'string' && source !== '-' ? safeSize(source) : 0;
    const t0 = performance.now();
    let bytesRead = 0;
    const onBatch = (batch: PacketBatch, read: number) => {
      pipeline.processBatch(batch);
      opts.onBatch?.(pipeline, batch);
      bytesRead = read;
      opts.onProgress?.({ capture: label, index, total: captures.length, bytesRead, fileBytes, records: pipeline.stats.records });
    };
    const seen: ReaderSeen = { issues: [], counts: {}, linkTypes: {} };
    try {
      await readBatches(source, { ...opts.reader, name }, onBatch, seen, opts.relay?.store);
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      errors.push(e);
      if (e.reason && seen.issues.length === 0) seen.issues = [{ file: e.file, offset: e.offset, reason: e.reason, message: e.message, fatal: true }];
    }
    const capIssues = seen.issues, capCounts = seen.counts, linkTypes = seen.linkTypes;
    pipeline.finish();
    pipeline.stats.elapsedMs = performance.now() - t0;
    for (const [k, v] of Object.entries(capCounts)) pipeline.stats.captureIssues[k] = (pipeline.stats.captureIssues[k] ?? 0) + v;
    for (const [k, v] of Object.entries(linkTypes)) pipeline.stats.linkTypes[k] = (pipeline.stats.linkTypes[k] ?? 0) + v;
    stats.add(pipeline.stats);
    issues.push(...capIssues.filter((i) => !i.fatal));
  }
  await sink.end?.();
  return { table, stats, errors, issues, config };
}

/** What a reader reported: its issues, counts of issues by reason, records per link type. */
export interface ReaderSeen { issues: CaptureIssue[]; counts: Record<string, number>; linkTypes: Record<number, number> }

/**
 * Reads a capture batch by batch: plain files synchronously (the fastest way), standard
 * input, streams and gzip files asynchronously. `seen` gets what the reader reported, also
 * when it stops on an error.
 */
async function readBatches(source: CaptureSource, options: CaptureOptions, onBatch: (b: PacketBatch, bytesRead: number) => void, seen: ReaderSeen, store?: BatchStore): Promise<void> {
  if (typeof source === 'string' && source !== '-' && !isGzip(source)) {
    const summary = readCaptureSync(source, (b) => onBatch(b, bytesReadAfter(b)), options, store);
    seen.issues = summary.issues; seen.counts = summary.stats.issues; seen.linkTypes = summary.stats.linkTypes;
    return;
  }
  const reader = openCapture(source, options);
  try {
    for await (const b of reader) onBatch(b, reader.stats.bytesRead);
  } finally {
    seen.issues = reader.issues; seen.counts = reader.stats.issues; seen.linkTypes = reader.stats.linkTypes;
  }
}

/**
 * One call from captures to a danfojs DataFrame of per-flow (or per-session) bins.
 * Throws if a capture stopped on a fatal error (the message names file and offset);
 * use `extractTable` to keep partial results alongside the errors.
 */
export async function extract(opts: ExtractOptions): Promise<import('danfojs-node').DataFrame> {
  const r = await extractTable(opts);
  if (r.errors.length) {
    const err = new Error(r.errors.map((e) => e.message).join('\n')) as Error & { result?: ExtractResult };
    err.result = r;
    throw err;
  }
  return r.table.toDataFrame();
}

/** Chooses and runs a parallel plan when it pays; null means "run on the main thread". */
async function tryParallel(opts: ExtractOptions, config: RefineryConfig, level: 'flow' | 'session', captures: CaptureSource[]): Promise<ExtractResult | null> {
  const cores = availableParallelism();
  const requested = opts.workers ?? 'auto';
  const workers = requested === 'auto' ? cores : Math.max(1, Math.floor(requested));
  if (workers <= 1 || opts.onPipeline || opts.onBatch || opts.reader || opts.relay) return null;
  // Classes registered at run time exist in workers only if their modules are given.
  const custom = config.services.flatMap((s) => s.collect).filter((c) => !BUILTIN_FEATURES.has(c));
  if (custom.length && !(opts.workerModules && opts.workerModules.length)) return null;
  const paths = captures.filter((c): c is string => typeof c === 'string' && c !== '-');
  if (paths.length !== captures.length) return null;
  const text = textEncodingOf(opts.sink) ? (opts.sink as TextRowSink) : undefined;
  const job: ParallelJob = {
    config, bins: opts.bins, level, raw: !!opts.raw, onlyClasses: opts.onlyClasses, workers, modules: opts.workerModules ?? [], text,
  };
  let r: ParallelResult;
  const t0 = performance.now();
  if (paths.length > 1) {
    job.onFileDone = (done, total, capture) => opts.onProgress?.({ capture, index: done - 1, total, bytesRead: 1, fileBytes: 1, records: 0 });
    r = await extractFilesParallel(paths, job);
  } else {
    // One file is split by flow only when it is big enough to repay starting the workers.
    const size = safeSize(paths[0]);
    if (size < (opts.shardMinBytes ?? 64 * 2 ** 20)) return null;
    job.onBytes = (bytesRead, records) => opts.onProgress?.({ capture: basename(paths[0]), index: 0, total: 1, bytesRead, fileBytes: size, records });
    r = await extractSharded(paths[0], job);
  }
  r.stats.elapsedMs = performance.now() - t0; // wall time, not the workers' sum
  if (opts.sink) {
    if (!text && opts.sink.appendTable) {
      opts.sink.begin?.(r.table.featureColumns);
      opts.sink.appendTable(r.table);
    } else if (!text) {
      replayRows(r.table, opts.sink);
    }
    await opts.sink.end?.();
  }
  return { table: r.table, stats: r.stats, errors: r.errors, issues: r.issues, config, parallel: r.timing };
}

function safeSize(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

function isGzip(path: string): boolean {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return false; }
  try {
    const b = new Uint8Array(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Where the file has been read to after a batch: the end of its last record (for progress). */
function bytesReadAfter(b: PacketBatch): number {
  const last = b.count - 1;
  return last < 0 ? 0 : b.fileOffset[last] + 16 + b.caplen[last];
}
