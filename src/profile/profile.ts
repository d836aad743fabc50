import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { runOnWorkers } from '../pipeline/parallel';
import { BUILTIN_FEATURES } from '../features';
import { openCapture, CaptureSource } from '../capture/reader';
import type { PacketBatch } from '../capture/batch';
import type { RefineryConfig } from '../config/config';
import { extractTable, resolveConfig, ExtractOptions } from '../pipeline/extract';
import { Pipeline } from '../pipeline/pipeline';
import { FeatureTable } from '../output/table';
import type { DataFrame } from 'danfojs-node';
import { getFeature } from '../features/registry';
import { measureHeap, HeapModule, HeapReading, HeapResult, HEAP_METHOD } from './heapWorker';
import { NetflowMeter, NetflowExport, NetflowOptions, NETFLOW_METHOD } from './netflow';
import { DEFAULT_REPRESENTATIONS, featureCount, planRuns, RunPlan, withCollect } from './runs';
import { StateMeter, StateSample } from './stateMeter';
import { distribution, quantileSorted } from './stats';
import { formatSizes, perHour, VolumeMeter, CaptureVolume } from './storage';
import { ProfileTable } from './table';
import { ClassTiming, TimeMeter, TIMING_METHOD } from './timeMeter';

export interface ProfileProgress {
  phase: 'run' | 'heap';
  /** Run (class or representation) being measured. */
  run: string;
  index: number;
  total: number;
  /** Overall progress, 0..1. */
  fraction: number;
}

export interface ProfileOptions {
  /** Recorded captures (paths, streams, byte sources): each run reads them again, alone. */
  captures?: CaptureSource | CaptureSource[];
  /**
   * Or one input read once (a live feed): an iterable / async iterable of PacketBatch, or a
   * capture stream. All runs are then fed the same batches side by side (no heap run).
   */
  source?: AsyncIterable<PacketBatch> | Iterable<PacketBatch> | CaptureSource;
  config?: ExtractOptions['config'];
  bins?: number[];
  level?: 'flow' | 'session';
  /** Classes to run alone (default: the configured ones plus those of the representations). */
  classes?: string[];
  /** Representations to run (default DEFAULT_REPRESENTATIONS; `config` = the config's own sets). */
  representations?: string[];
  /** Measure state on the V8 heap too, in an isolated worker (default true; file captures only). */
  heap?: boolean;
  /** Heap readings per run, at most (about; default 24): a forced GC each costs milliseconds. */
  heapSamples?: number;
  /** Modules the heap worker requires first (classes registered only in this process are unknown there). */
  heapModules?: HeapModule[];
  /** Calls per timed block (default 64). */
  blockCalls?: number;
  /** Records of the first capture run once through all classes, unmeasured, before the runs (default 50000). */
  warmupRecords?: number;
  /** Records per batch when reading captures (default 1024: finer collection instants). */
  batchSize?: number;
  netflow?: NetflowOptions;
  onProgress?: (p: ProfileProgress) => void;
  /**
   * Worker threads for recorded captures: runs (classes, representations) are spread over
   * them, each run reading every file. A number, or 'auto' (default) = the machine's cores.
   */
  workers?: number | 'auto';
  /** Modules each worker requires first: where users' feature classes register themselves. */
  workerModules?: string[];
}

/** How many workers profile runs use: 1 for streams, one run, or users' classes without modules. */
function profileWorkers(opts: ProfileOptions, config: RefineryConfig, files: string[] | undefined, runs: number): number {
  const requested = opts.workers ?? 'auto';
  const n = requested === 'auto' ? availableParallelism() : Math.max(1, Math.floor(requested));
  if (!files || runs < 2 || n < 2) return 1;
  const custom = [...config.services.flatMap((s) => s.collect), ...(opts.classes ?? [])].filter((c) => !BUILTIN_FEATURES.has(c));
  if (custom.length && !(opts.workerModules && opts.workerModules.length)) return 1;
  return Math.min(n, runs);
}

/** The table the model sweep joins with accuracy: one row per class and per representation. */
export interface SummaryRow {
  feature_class: string;
  layer: string;
  classes: string;
  features: number;
  packets: number;
  units_median: number;
  units_peak: number;
  state_bytes_median: number;
  state_bytes_p95: number;
  state_bytes_peak: number;
  state_bytes_per_flow_median: number;
  state_bytes_per_flow_peak: number;
  heap_bytes_median: number;
  heap_bytes_peak: number;
  heap_bytes_per_flow_median: number;
  /**
   * Median over instants of heap bytes / self-reported bytes: how far the two agree.
   * `stateBytes()` counts the payload of a class's data structures (typed-array
   * capacity); the heap figure (heapWorker.ts) counts everything the class keeps
   * alive. Typed arrays hold their elements off-heap (ArrayBuffer backing stores,
   * "external" memory, read from `process.memoryUsage().arrayBuffers`), so without
   * adding external memory a Float64Array-based class would show ~0 on the V8 heap.
   * Above 1: every typed array also costs ~100-200 B of JS objects (JSTypedArray +
   * JSArrayBuffer + backing-store record), per-flow objects (TCPCounters' SeqRing per flow
   * direction: an object and three small arrays, ~2x its payload), Map/array slots and
   * hidden-class property stores the class does not count, and allocator rounding.
   * Below 1: a class that counts capacity it has not touched yet (zero pages still count
   * in arrayBuffers, so this is rare) or reports an estimate. Readings between GCs are
   * exact to a few kB; a run's difference with the no-class reference run also carries a
   * few tens of kB of noise (young-generation leftovers), which matters only for tiny states.
   */
  heap_ratio: number;
  /**
   * addPacket time per packet that reached the classes (per call x calls per packet,
   * which is the number of bin sizes). For a representation these are the sums over
   * its classes measured together in one run: exact for the mean, an approximation
   * (sum of the classes' quantiles) for the median, p99, min and max.
   */
  ns_per_packet_mean: number;
  ns_per_packet_median: number;
  ns_per_packet_p99: number;
  ns_per_packet_min: number;
  ns_per_packet_max: number;
  /** Per-call overhead of the timing method that was subtracted (see TIMING_METHOD). */
  overhead_ns: number;
  rows: number;
  capture_seconds: number;
  storage_bytes_jsonl: number;
  storage_bytes_csv: number;
  storage_bytes_parquet: number;
  storage_bytes_per_hour_jsonl: number;
  storage_bytes_per_hour_csv: number;
  storage_bytes_per_hour_parquet: number;
  storage_bytes_per_hour_per_flow_parquet: number;
  [k: string]: string | number;
}

/** State over time, tidy: one row per run, class, method and instant. */
export interface StateRow {
  run: string;
  feature_class: string;
  /** `self` (the class's stateBytes()) or `heap` (V8 heap + array buffers, isolated run). */
  method: string;
  capture: string;
  instant: number;
  t: number;
  t_rel: number;
  final: number;
  units: number;
  bytes: number;
  bytes_per_unit: number;
  js_bytes: number;
  external_bytes: number;
  [k: string]: string | number;
}

export interface TimingRow {
  run: string;
  feature_class: string;
  layer: string;
  calls: number;
  warmup_calls: number;
  packets: number;
  calls_per_packet: number;
  ns_per_call_mean: number;
  /** Mean including interrupted blocks (see TIMING_METHOD). */
  ns_per_call_mean_all: number;
  outlier_blocks: number;
  ns_per_call_median: number;
  ns_per_call_p99: number;
  ns_per_call_min: number;
  ns_per_call_max: number;
  ns_per_packet_mean: number;
  ns_per_packet_median: number;
  ns_per_packet_p99: number;
  ns_per_packet_min: number;
  ns_per_packet_max: number;
  overhead_ns: number;
  block_calls: number;
  blocks: number;
  sampled_blocks: number;
  timing_method: string;
  [k: string]: string | number;
}

export interface StorageRow {
  /** Run name, or `capture` (the traffic itself) or `netflow`. */
  feature_class: string;
  layer: string;
  format: string;
  bytes: number;
  bytes_per_hour: number;
  /** Output rows, packets (capture) or flow records (netflow). */
  rows: number;
  capture_seconds: number;
  [k: string]: string | number;
}

export interface ProfileNotes {
  timing_method: string;
  /** Mean per-call overhead subtracted, over runs. */
  overhead_ns: number;
  state_method: string;
  heap_method: string;
  heap_gc: string;
  netflow_method: string;
  messages: string[];
}

export interface ProfileTables {
  summary: ProfileTable<SummaryRow>;
  state: ProfileTable<StateRow>;
  timing: ProfileTable<TimingRow>;
  storage: ProfileTable<StorageRow>;
  notes: ProfileNotes;
  volume: CaptureVolume;
  netflow: NetflowExport;
}

export interface ProfileFrames {
  summary: DataFrame;
  state: DataFrame;
  timing: DataFrame;
  storage: DataFrame;
  notes: ProfileNotes;
  tables: ProfileTables;
}

export const SUMMARY_COLUMNS = ['feature_class', 'layer', 'classes', 'features', 'packets', 'units_median', 'units_peak',
  'state_bytes_median', 'state_bytes_p95', 'state_bytes_peak', 'state_bytes_per_flow_median', 'state_bytes_per_flow_peak',
  'heap_bytes_median', 'heap_bytes_peak', 'heap_bytes_per_flow_median', 'heap_ratio',
  'ns_per_packet_mean', 'ns_per_packet_median', 'ns_per_packet_p99', 'ns_per_packet_min', 'ns_per_packet_max', 'overhead_ns',
  'rows', 'capture_seconds', 'storage_bytes_jsonl', 'storage_bytes_csv', 'storage_bytes_parquet',
  'storage_bytes_per_hour_jsonl', 'storage_bytes_per_hour_csv', 'storage_bytes_per_hour_parquet', 'storage_bytes_per_hour_per_flow_parquet'] as const;
export const STATE_COLUMNS = ['run', 'feature_class', 'method', 'capture', 'instant', 't', 't_rel', 'final', 'units', 'bytes', 'bytes_per_unit', 'js_bytes', 'external_bytes'] as const;
export const TIMING_COLUMNS = ['run', 'feature_class', 'layer', 'calls', 'warmup_calls', 'packets', 'calls_per_packet',
  'ns_per_call_mean', 'ns_per_call_mean_all', 'outlier_blocks', 'ns_per_call_median', 'ns_per_call_p99', 'ns_per_call_min', 'ns_per_call_max',
  'ns_per_packet_mean', 'ns_per_packet_median', 'ns_per_packet_p99', 'ns_per_packet_min', 'ns_per_packet_max',
  'overhead_ns', 'block_calls', 'blocks', 'sampled_blocks', 'timing_method'] as const;
export const STORAGE_COLUMNS = ['feature_class', 'layer', 'format', 'bytes', 'bytes_per_hour', 'rows', 'capture_seconds'] as const;

export const STATE_METHOD = 'Pipeline.stateBytes() per class at every bin end of the smallest bin size (capture time, grid from the first packet) and at capture end; per flow = bytes / live flows of configured services';

/** What one run measured. */
export interface RunOutcome {
  plan: RunPlan;
  timings: ClassTiming[];
  samples: StateSample[];
  servedPackets: number;
  table: { length: number; sizes: Record<string, number> };
  overheadNs: number;
}

/** Profiles each class alone and each representation: state, processing time and storage, as plain tables. */
export async function profileTables(opts: ProfileOptions): Promise<ProfileTables> {
  if ((opts.captures === undefined) === (opts.source === undefined)) throw new Error('profile: give either captures or source');
  const config = resolveConfig(opts.config);
  const level = opts.level ?? config.level;
  const bins = opts.bins ?? config.bins;
  const binSeconds = Math.min(...bins);
  const batchSize = opts.batchSize ?? 1024;
  const { runs, notes: planNotes } = planRuns(config, opts.classes, opts.representations ?? DEFAULT_REPRESENTATIONS);
  if (runs.length === 0) throw new Error('profile: nothing to run (no classes, no representations)');
  const messages = [...planNotes];
  const captures = opts.captures === undefined ? undefined
    : Array.isArray(opts.captures) ? opts.captures : [opts.captures];
  const isPath = (c: unknown): c is string => typeof c === 'string' && c !== '-';
  // Files are read again by every run; a stream (or stdin) can be read once: one pass, all runs side by side.
  let source = opts.source;
  let files: string[] | undefined;
  if (captures) {
    if (captures.every(isPath)) files = captures;
    else if (captures.length === 1) source = captures[0];
    else throw new Error('profile: streams can be read only once: give one stream (read in a single pass), or capture files');
  } else if (isPath(source)) {
    files = [source];
  }
  const heapPaths = files;
  const wantHeap = opts.heap !== false;
  if (wantHeap && !heapPaths) messages.push('heap: not measured (needs capture files: a live source or stream is read once)');
  const steps = runs.length + (wantHeap && heapPaths ? runs.length + 1 : 0);
  const progress = (phase: 'run' | 'heap', run: string, index: number, within: number) =>
    opts.onProgress?.({ phase, run, index, total: steps, fraction: Math.min(1, (index + within) / steps) });

  const volume = new VolumeMeter();
  const netflow = new NetflowMeter(opts.netflow);
  const settings: RunSettings = { config, level, bins, binSeconds, batchSize, blockCalls: opts.blockCalls, warmupRecords: opts.warmupRecords ?? 50_000, netflowOptions: opts.netflow };
  const workers = profileWorkers(opts, config, files, runs.length);
  let outcomes: RunOutcome[], vol: CaptureVolume, nf: NetflowExport;
  if (files && workers > 1) {
    ({ outcomes, volume: vol, netflow: nf } = await runParallel(files, runs, { ...settings, progress }, workers, opts.workerModules ?? []));
  } else {
    outcomes = files
      ? await runSequential(files, runs, { ...settings, volume, netflow, progress })
      : await runShared(source!, runs, { ...settings, warmupRecords: 0, volume, netflow, progress });
    vol = volume.result();
    nf = netflow.result();
  }

  let heap: HeapResult | undefined;
  if (wantHeap && heapPaths) {
    const instants = outcomes[0].samples.filter((s) => !s.final).length;
    const stride = Math.max(1, Math.ceil(instants / Math.max(1, opts.heapSamples ?? 24)));
    heap = await measureHeap({
      captures: heapPaths, baseConfig: config, bins, level, binSeconds, stride, batchSize, modules: opts.heapModules ?? [],
      runs: runs.map((r) => ({ name: r.name, config: r.config, onlyClasses: r.onlyClasses })),
    }, (done, _total, name) => progress('heap', name, runs.length + done, 0));
    if (heap.error) messages.push(`heap: ${heap.error}`);
    for (const r of heap.runs) if (r.error) messages.push(`heap ${r.name}: ${r.error}`);
  }
  progress('heap', '', steps, 0);

  const tables = assemble(outcomes, vol, nf, heap, messages);
  if (files && workers > 1) {
    tables.notes.timing_method += ` Runs went ${workers} at a time on worker threads: ns per packet include their contention for the cores (workers: 1 measures each run alone).`;
  }
  return tables;
}

/** `profileTables` with danfojs DataFrames (the tables stay available under `tables`). */
export async function profile(opts: ProfileOptions): Promise<ProfileFrames> {
  const tables = await profileTables(opts);
  return {
    summary: tables.summary.toDataFrame(), state: tables.state.toDataFrame(), timing: tables.timing.toDataFrame(),
    storage: tables.storage.toDataFrame(), notes: tables.notes, tables,
  };
}

/** A run's settings (the config aside: a stream's runs each carry their own) and its meters. */
export interface RunContext extends Omit<RunSettings, 'config'> {
  volume: VolumeMeter;
  netflow: NetflowMeter;
  progress: (phase: 'run' | 'heap', run: string, index: number, within: number) => void;
}

/**
 * Runs every class of the profile, wrapped by a TimeMeter, over the first `records` of a
 * capture and throws the results away: V8 optimizes the classes and the meter's replay
 * loop before the first measured run (background compilation is slow on a loaded
 * machine), and that loop's call site is already polymorphic, as it is in every later
 * run, so the first run is measured like the others.
 */
export async function warmUp(file: string, runs: RunPlan[], ctx: RunContext & { config: RefineryConfig }, records: number): Promise<void> {
  if (records <= 0) return;
  const union: string[] = [];
  for (const r of runs) for (const c of r.classes) if (!union.includes(c)) union.push(c);
  const pipeline = new Pipeline({ config: withCollect(ctx.config, union), bins: ctx.bins, level: ctx.level, sink: { row() {} } });
  const time = new TimeMeter({ blockCalls: ctx.blockCalls });
  time.instrument(pipeline);
  const reader = openCapture(file, { batchSize: ctx.batchSize });
  let seen = 0;
  try {
    for await (const b of reader) {
      pipeline.processBatch(b);
      time.endBatch();
      pipeline.stateBytes();
      if ((seen += b.count) >= records) break;
    }
  } catch {
    // A capture error shows in the measured runs.
  }
  pipeline.finish();
  time.calibrate(500);
}

/** Recorded captures: every run reads them again, alone in the process. */
async function runSequential(files: string[], runs: RunPlan[], ctx: RunContext & { config: RefineryConfig }): Promise<RunOutcome[]> {
  const out: RunOutcome[] = [];
  await warmUp(files[0], runs, ctx, ctx.warmupRecords);
  for (let i = 0; i < runs.length; i++) out.push(await runPlan(files, runs[i], i, ctx));
  return out;
}

/**
 * Recorded captures, runs spread over worker threads (each run still reads every file,
 * alone in its thread). The first run also measures the capture volume and NetFlow sizes.
 * Runs on several cores at once contend for them: their ns per packet read a little higher.
 */
async function runParallel(files: string[], runs: RunPlan[], ctx: RunSettings & Pick<RunContext, 'progress'>, workers: number, modules: string[]):
  Promise<{ outcomes: RunOutcome[]; volume: CaptureVolume; netflow: NetflowExport }> {
  const out: RunOutcome[] = new Array(runs.length);
  const fraction = new Float64Array(runs.length);
  let volume: CaptureVolume | undefined, netflow: NetflowExport | undefined;
  const settings: RunSettings = {
    config: ctx.config, level: ctx.level, bins: ctx.bins, binSeconds: ctx.binSeconds, batchSize: ctx.batchSize, blockCalls: ctx.blockCalls,
    warmupRecords: ctx.warmupRecords, netflowOptions: ctx.netflowOptions,
  };
  const requests = runs.map((plan, index) => ({ type: 'profile-run', files, plan, index, runs, settings }));
  await runOnWorkers<ProfileRunReply, { within: number; run: string }>(workers, modules, requests, 'profile-run-done', (r) => {
    out[r.index] = r.outcome;
    fraction[r.index] = 1;
    if (r.volume) volume = r.volume;
    if (r.netflow) netflow = r.netflow;
  }, (m) => {
    fraction[m.id] = m.within;
    // One bar for the whole job: the runs' progress summed.
    const done = fraction.reduce((a, b) => a + b, 0);
    ctx.progress('run', m.run, Math.floor(done), done - Math.floor(done));
  }, join(__dirname, 'runWorker.js'));
  return { outcomes: out, volume: volume!, netflow: netflow! };
}

/** What a profile run needs besides its meters (plain data: it crosses to worker threads). */
export interface RunSettings {
  config: RefineryConfig;
  level: 'flow' | 'session';
  bins: number[];
  binSeconds: number;
  batchSize: number;
  blockCalls?: number;
  warmupRecords: number;
  netflowOptions?: NetflowOptions;
}

/** What a profile worker sends back for one run (the first run also sends the capture volume and NetFlow sizes). */
export interface ProfileRunReply { index: number; outcome: RunOutcome; volume?: CaptureVolume; netflow?: NetflowExport }

/** One run over every file, measured; the first run (`index` 0) also feeds the volume and NetFlow meters. */
export async function runPlan(files: string[], plan: RunPlan, i: number, ctx: RunContext & { config: RefineryConfig }): Promise<RunOutcome> {
  {
    const first = i === 0;
    const time = new TimeMeter({ blockCalls: ctx.blockCalls });
    const state = new StateMeter(ctx.binSeconds);
    let captureIndex = -1;
    ctx.progress('run', plan.name, i, 0);
    const result = await extractTable({
      captures: files, config: plan.config, bins: ctx.bins, level: ctx.level, onlyClasses: plan.onlyClasses,
      reader: { batchSize: ctx.batchSize },
      onPipeline: (p, label) => {
        captureIndex++;
        time.instrument(p);
        state.attach(p, label);
        if (first) {
          ctx.volume.startCapture(fileSize(files[captureIndex]));
          ctx.netflow.startCapture();
        }
      },
      onBatch: (p, b) => {
        time.endBatch();
        state.afterBatch(p, b);
        if (first) { ctx.volume.addBatch(b); ctx.netflow.addBatch(b); }
      },
      onProgress: (pr) => ctx.progress('run', plan.name, i, (pr.index + (pr.fileBytes ? Math.min(1, pr.bytesRead / pr.fileBytes) : 0)) / pr.total),
    });
    // A capture error (its message names file and offset) stops the profile: its figures would be partial.
    if (result.errors.length) throw result.errors[0];
    const cal = time.calibrate();
    return {
      plan, timings: time.results(), samples: state.samples,
      servedPackets: result.stats.packets - result.stats.unservedPackets,
      table: { length: result.table.length, sizes: formatSizes(result.table) },
      overheadNs: cal.overheadNs,
    };
  }
}

/** One input read once: every run's pipeline gets each batch in turn. */
async function runShared(source: NonNullable<ProfileOptions['source']>, runs: RunPlan[], ctx: RunContext): Promise<RunOutcome[]> {
  const name = typeof source === 'string' ? (source === '-' ? 'stdin' : basename(source)) : 'live';
  const setups = runs.map((plan) => {
    const table = new FeatureTable(ctx.level);
    const pipeline = new Pipeline({ config: plan.config, bins: ctx.bins, level: ctx.level, capture: name, sink: table, onlyClasses: plan.onlyClasses });
    const time = new TimeMeter({ blockCalls: ctx.blockCalls });
    const state = new StateMeter(ctx.binSeconds);
    time.instrument(pipeline);
    state.attach(pipeline, name);
    return { plan, table, pipeline, time, state };
  });
  ctx.volume.startCapture(0);
  ctx.netflow.startCapture();
  let batches = 0;
  for await (const b of batchesOf(source, ctx.batchSize)) {
    for (const s of setups) {
      s.pipeline.processBatch(b);
      s.time.endBatch();
      s.state.afterBatch(s.pipeline, b);
    }
    ctx.volume.addBatch(b);
    ctx.netflow.addBatch(b);
    if (++batches % 64 === 0) ctx.progress('run', 'live', 0, 0);
  }
  return setups.map((s) => {
    s.pipeline.finish();
    const cal = s.time.calibrate();
    return {
      plan: s.plan, timings: s.time.results(), samples: s.state.samples,
      servedPackets: s.pipeline.stats.packets - s.pipeline.stats.unservedPackets,
      table: { length: s.table.length, sizes: formatSizes(s.table) }, overheadNs: cal.overheadNs,
    };
  });
}

/** Batches of a live source: PacketBatch iterables pass through; byte sources and streams are parsed. */
async function* batchesOf(source: NonNullable<ProfileOptions['source']>, batchSize: number): AsyncGenerator<PacketBatch> {
  if (typeof source === 'string' || typeof (source as NodeJS.ReadableStream).pipe === 'function') {
    yield* openCapture(source as CaptureSource, { batchSize });
    return;
  }
  const sync = (source as Iterable<PacketBatch>)[Symbol.iterator];
  if (typeof sync === 'function' && !(Symbol.asyncIterator in (source as object))) {
    for (const b of source as Iterable<PacketBatch>) yield b;
    return;
  }
  const it = (source as AsyncIterable<PacketBatch | Uint8Array>)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  if (first.value instanceof Uint8Array) {
    const bytes = async function* (): AsyncGenerator<Uint8Array> {
      yield first.value as Uint8Array;
      for (;;) { const n = await it.next(); if (n.done) return; yield n.value as Uint8Array; }
    };
    yield* openCapture(bytes(), { batchSize });
    return;
  }
  yield first.value as PacketBatch;
  for (;;) { const n = await it.next(); if (n.done) return; yield n.value as PacketBatch; }
}

function fileSize(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

function ratioMedian(pairs: [number, number][]): number {
  const r = Float64Array.from(pairs.filter(([, s]) => s > 0).map(([h, s]) => h / s)).sort();
  return quantileSorted(r, 0.5);
}

function assemble(outcomes: RunOutcome[], vol: CaptureVolume, nf: NetflowExport, heap: HeapResult | undefined, messages: string[]): ProfileTables {
  const summary = new ProfileTable<SummaryRow>(SUMMARY_COLUMNS);
  const state = new ProfileTable<StateRow>(STATE_COLUMNS);
  const timing = new ProfileTable<TimingRow>(TIMING_COLUMNS);
  const storage = new ProfileTable<StorageRow>(STORAGE_COLUMNS);
  const seconds = vol.seconds;
  const reference = new Map<number, HeapReading>((heap?.reference ?? []).map((r) => [r.instant, r]));

  outcomes.forEach((o, runIndex) => {
    const { plan } = o;
    // State (self-reported).
    const totals: number[] = [], perFlow: number[] = [], units: number[] = [];
    const selfAt = new Map<number, number>();
    for (const s of o.samples) {
      const base = { run: plan.name, method: 'self', capture: s.capture, instant: s.instant, t: s.t, t_rel: s.tRel, final: s.final, units: s.units, js_bytes: NaN, external_bytes: NaN };
      let total = 0;
      for (const c of plan.classes) {
        const b = s.bytes[c] ?? 0;
        total += b;
        if (plan.classes.length > 1) state.push({ ...base, feature_class: c, bytes: b, bytes_per_unit: s.units > 0 ? b / s.units : NaN });
      }
      state.push({ ...base, feature_class: plan.name, bytes: total, bytes_per_unit: s.units > 0 ? total / s.units : NaN });
      if (runIndex === 0 && s.bytes.FlowTable !== undefined) {
        state.push({ ...base, feature_class: 'FlowTable', bytes: s.bytes.FlowTable, bytes_per_unit: s.units > 0 ? s.bytes.FlowTable / s.units : NaN });
      }
      totals.push(total);
      units.push(s.units);
      selfAt.set(s.instant, total);
      if (s.units > 0) perFlow.push(total / s.units);
    }
    const st = distribution(totals), pf = distribution(perFlow), un = distribution(units);

    // State (heap), relative to the no-class reference run at the same instant.
    const heapRun = heap?.runs.find((r) => r.name === plan.name);
    const heapTotals: number[] = [], heapPerFlow: number[] = [], pairs: [number, number][] = [];
    for (const r of heapRun?.readings ?? []) {
      const ref = reference.get(r.instant);
      if (!ref) continue;
      const js = r.js - ref.js, ext = r.external - ref.external, bytes = js + ext;
      state.push({
        run: plan.name, feature_class: plan.name, method: 'heap', capture: r.capture, instant: r.instant, t: r.t, t_rel: r.tRel, final: r.final,
        units: r.units, bytes, bytes_per_unit: r.units > 0 ? bytes / r.units : NaN, js_bytes: js, external_bytes: ext,
      });
      heapTotals.push(bytes);
      if (r.units > 0) heapPerFlow.push(bytes / r.units);
      const self = selfAt.get(r.instant);
      if (self !== undefined) pairs.push([bytes, self]);
    }
    const ht = distribution(heapTotals), hpf = distribution(heapPerFlow);

    // Timing.
    const packets = o.servedPackets;
    const rowsFor: TimingRow[] = [];
    for (const c of plan.classes) {
      const t = o.timings.find((x) => x.featureClass === c);
      const calls = t?.calls ?? 0, cpp = packets > 0 ? calls / packets : NaN;
      rowsFor.push({
        run: plan.name, feature_class: c, layer: plan.kind === 'class' ? plan.layer : layerOf(c), calls, warmup_calls: t?.warmupCalls ?? 0, packets, calls_per_packet: cpp,
        ns_per_call_mean: t?.mean ?? NaN, ns_per_call_mean_all: t?.meanAll ?? NaN, outlier_blocks: t?.outlierBlocks ?? 0, ns_per_call_median: t?.median ?? NaN, ns_per_call_p99: t?.p99 ?? NaN, ns_per_call_min: t?.min ?? NaN, ns_per_call_max: t?.max ?? NaN,
        ns_per_packet_mean: (t?.mean ?? NaN) * cpp, ns_per_packet_median: (t?.median ?? NaN) * cpp, ns_per_packet_p99: (t?.p99 ?? NaN) * cpp,
        ns_per_packet_min: (t?.min ?? NaN) * cpp, ns_per_packet_max: (t?.max ?? NaN) * cpp,
        overhead_ns: o.overheadNs, block_calls: t?.blockCalls ?? NaN, blocks: t?.blocks ?? 0, sampled_blocks: t?.sampledBlocks ?? 0, timing_method: TIMING_METHOD,
      });
    }
    let total: TimingRow;
    if (rowsFor.length === 1) {
      total = rowsFor[0];
    } else {
      const sum = (k: keyof TimingRow) => rowsFor.reduce((n, r) => n + (r[k] as number), 0);
      total = {
        ...rowsFor[0], feature_class: plan.name, layer: plan.layer, calls: sum('calls'), warmup_calls: sum('warmup_calls'), calls_per_packet: sum('calls_per_packet'),
        ns_per_call_mean: NaN, ns_per_call_mean_all: NaN, outlier_blocks: sum('outlier_blocks'), ns_per_call_median: NaN, ns_per_call_p99: NaN, ns_per_call_min: NaN, ns_per_call_max: NaN,
        ns_per_packet_mean: sum('ns_per_packet_mean'), ns_per_packet_median: sum('ns_per_packet_median'), ns_per_packet_p99: sum('ns_per_packet_p99'),
        ns_per_packet_min: sum('ns_per_packet_min'), ns_per_packet_max: sum('ns_per_packet_max'),
        blocks: sum('blocks'), sampled_blocks: sum('sampled_blocks'),
      };
      timing.push(...rowsFor);
    }
    timing.push(total);

    // Storage.
    const sizes = o.table.sizes;
    for (const f of ['jsonl', 'csv', 'parquet']) {
      storage.push({ feature_class: plan.name, layer: plan.layer, format: f, bytes: sizes[f], bytes_per_hour: perHour(sizes[f], seconds), rows: o.table.length, capture_seconds: seconds });
    }

    summary.push({
      feature_class: plan.name, layer: plan.layer, classes: plan.classes.join('+'), features: featureCount(plan.classes),
      packets, units_median: un.median, units_peak: un.max,
      state_bytes_median: st.median, state_bytes_p95: st.p95, state_bytes_peak: st.max,
      state_bytes_per_flow_median: pf.median, state_bytes_per_flow_peak: pf.max,
      heap_bytes_median: ht.median, heap_bytes_peak: ht.max, heap_bytes_per_flow_median: hpf.median, heap_ratio: ratioMedian(pairs),
      ns_per_packet_mean: total.ns_per_packet_mean, ns_per_packet_median: total.ns_per_packet_median, ns_per_packet_p99: total.ns_per_packet_p99,
      ns_per_packet_min: total.ns_per_packet_min, ns_per_packet_max: total.ns_per_packet_max, overhead_ns: o.overheadNs,
      rows: o.table.length, capture_seconds: seconds,
      storage_bytes_jsonl: sizes.jsonl, storage_bytes_csv: sizes.csv, storage_bytes_parquet: sizes.parquet,
      storage_bytes_per_hour_jsonl: perHour(sizes.jsonl, seconds), storage_bytes_per_hour_csv: perHour(sizes.csv, seconds),
      storage_bytes_per_hour_parquet: perHour(sizes.parquet, seconds),
      storage_bytes_per_hour_per_flow_parquet: un.mean > 0 ? perHour(sizes.parquet, seconds) / un.mean : NaN,
    });
  });

  const cap = (format: string, bytes: number, rows: number) =>
    storage.push({ feature_class: 'capture', layer: 'raw', format, bytes, bytes_per_hour: perHour(bytes, seconds), rows, capture_seconds: seconds });
  cap('wire', vol.wireBytes, vol.records);
  cap('pcap', vol.pcapBytes, vol.records);
  cap('pcap_full', vol.pcapFullBytes, vol.records);
  if (vol.fileBytes > 0) cap('pcap_file', vol.fileBytes, vol.records);
  storage.push({ feature_class: 'netflow', layer: 'raw', format: 'netflow_v5', bytes: nf.v5Bytes, bytes_per_hour: perHour(nf.v5Bytes, seconds), rows: nf.records, capture_seconds: seconds });
  storage.push({ feature_class: 'netflow', layer: 'raw', format: 'ipfix', bytes: nf.ipfixBytes, bytes_per_hour: perHour(nf.ipfixBytes, seconds), rows: nf.records, capture_seconds: seconds });

  const overhead = outcomes.reduce((n, o) => n + o.overheadNs, 0) / outcomes.length;
  const notes: ProfileNotes = {
    timing_method: TIMING_METHOD, overhead_ns: overhead, state_method: STATE_METHOD,
    heap_method: heap ? HEAP_METHOD : 'not measured', heap_gc: heap?.gc ?? '', netflow_method: NETFLOW_METHOD, messages,
  };
  return { summary, state, timing, storage, notes, volume: vol, netflow: nf };
}

function layerOf(name: string): string {
  return getFeature(name)?.layer ?? '';
}
