import type { RowSink } from '../pipeline/rows';
import { join } from 'node:path';
import type { PacketBatch } from '../capture/batch';
import { openLive, LiveOptions, LiveStats } from '../capture/live';
import type { RefineryConfig } from '../config/config';
import type { OutputFormat } from '../output/formats';
import { resolveConfig } from '../pipeline/extract';
import { Pipeline } from '../pipeline/pipeline';
import { ShardedPipeline } from '../pipeline/shardedPipeline';
import type { RunStats } from '../pipeline/stats';
import { CaptureStatsRecord, CaptureStatsWriter, CaptureTotals } from './captureStats';
import { CaptureClock } from './clock';
import { RotatedFile, RotatingSink } from './rotating';
import { onStopSignals } from './signals';
import '../features';

/** What runLive reads packets from: a {@link LiveCapture}, or anything shaped like one (tests). */
export interface LiveSource extends AsyncIterable<PacketBatch> {
  stats(): LiveStats;
  /** Graceful: deliver what is captured, then end the iteration. */
  stop(): void;
  close(): Promise<void>;
  readonly linkType?: number;
}

export interface LiveRunOptions {
  /** Interface to capture on. */
  iface: string;
  /** A normalized config, a config file path, or a config object in the original's format. */
  config?: RefineryConfig | string | Record<string, unknown>;
  /** Bin sizes in seconds (default: the config's). */
  bins?: number[];
  level?: 'flow' | 'session';
  /** BPF filter. */
  filter?: string;
  /** Stop after this many seconds (default: run until a signal or `signal`). */
  duration?: number;
  /** Output folder: rotating bin files and capture-stats.jsonl. */
  out: string;
  /** Seconds of capture time per output file (default 60; 0 = one file). */
  rotateSeconds?: number;
  /** `jsonl` (default), `parquet` or `csv`. */
  format?: OutputFormat;
  /** Seconds between lines of capture-stats.jsonl (default 1). */
  statsSeconds?: number;
  /** Period of the timer that closes bins while traffic pauses, ms (default 200). */
  tickMs?: number;
  /** How far the capture-time estimate stays behind the extrapolated time (default 0.5 s). */
  graceSeconds?: number;
  /** Capture settings (snaplen, bufferSize, promisc, batchSize, ...). */
  capture?: Omit<LiveOptions, 'iface' | 'filter'>;
  /** Stop gracefully on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Stops the run gracefully when aborted. */
  signal?: AbortSignal;
  /** JSON lines: add raw per-bin class data (segment lists). */
  raw?: boolean;
  /** Called with each capture-stats line. */
  onStats?: (r: CaptureStatsRecord) => void;
  /** Called once the capture is open. */
  onStart?: (info: { iface: string; linkType: number | undefined; out: string; statsFile: string }) => void;
  /** Packet source instead of opening `iface` (tests, other capture back ends). */
  source?: LiveSource;
  /** More sinks fed every closed bin besides the rotating files (e.g. real-time inference). */
  sinks?: RowSink[];
  /**
   * Worker threads (default 1: the pipeline runs on this thread). With N > 1 every batch is
   * shared with N workers, each computing the features of its own flows or sessions; rows
   * reach the sinks in the order one thread would give them.
   */
  workers?: number;
  /** Modules each worker requires first: where users' feature classes register themselves. */
  workerModules?: string[];
}

/** What the live loop needs of a pipeline: a Pipeline, or one split over workers. */
interface LivePipeline {
  processBatch(batch: PacketBatch): void | Promise<void>;
  advanceTo(now: number): void;
  finish(): void | Promise<void>;
  readonly stats: RunStats;
  stateBytes(): Record<string, number>;
  readonly activeUnits: number;
  readonly captureTime: number;
}

export interface LiveSummary {
  iface: string;
  out: string;
  /** Bin files written, in time order. */
  files: RotatedFile[];
  statsFile: string;
  rows: number;
  /** Records handed to the pipeline, and those decoded as IP packets. */
  records: number;
  packets: number;
  bytes: number;
  flows: number;
  capture: LiveStats;
  elapsedSeconds: number;
  /** `signal:SIGINT`, `signal:SIGTERM`, `duration`, `abort` or `end` (the source ended by itself). */
  stoppedBy: string;
  stats: RunStats;
}

/**
 * Live collection: one {@link Pipeline} (the same data path as replay) fed from an interface.
 * A timer closes bins in capture time while traffic pauses; closed bins go to rotating files in
 * `out`; capture statistics go to `out/capture-stats.jsonl` every `statsSeconds`. On SIGINT/SIGTERM,
 * `duration` or `signal`, the capture stops, packets already captured are processed, open bins are
 * flushed and files are completed: nothing collected is lost. Errors after the start (interface
 * gone) still flush everything first, then throw with `summary` attached.
 */
export async function runLive(opts: LiveRunOptions): Promise<LiveSummary> {
  const t0 = Date.now();
  const config = resolveConfig(opts.config);
  const level = opts.level ?? config.level;
  const statsMs = Math.max(1, (opts.statsSeconds ?? 1) * 1000);
  const tickMs = Math.max(10, opts.tickMs ?? 200);
  if (opts.duration !== undefined && !(opts.duration > 0)) throw new RangeError(`duration must be positive seconds (got ${opts.duration})`);

  const source = opts.source ?? openLive({ ...opts.capture, iface: opts.iface, filter: opts.filter });
  let sink: RotatingSink, pipeline: LivePipeline, statsWriter: CaptureStatsWriter;
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  // Split runs release rows after the workers are past a point: files rotate at that point's time.
  const tickSink = (t: number) => sink.tick(t);
  const statsFile = join(opts.out, 'capture-stats.jsonl');
  try {
    sink = new RotatingSink({ dir: opts.out, level, format: opts.format ?? 'jsonl', rotateSeconds: opts.rotateSeconds ?? 60, raw: opts.raw });
    const extra = opts.sinks ?? [];
    const tee: RowSink = extra.length === 0 ? sink : {
      begin: (cols) => { sink.begin(cols); for (const x of extra) x.begin?.(cols); },
      row: (r) => { sink.row(r); for (const x of extra) x.row(r); },
    };
    if (workers > 1) {
      const sharded = new ShardedPipeline({
        config, bins: opts.bins, level, capture: opts.iface, sink: tee, raw: opts.raw, workers, modules: opts.workerModules, onReleased: tickSink,
      });
      await sharded.start();
      pipeline = sharded;
    } else {
      pipeline = new Pipeline({ config, bins: opts.bins, level, capture: opts.iface, sink: tee, raw: opts.raw });
    }
    statsWriter = new CaptureStatsWriter(statsFile, t0);
  } catch (e) {
    await source.close();
    throw e;
  }
  const clock = new CaptureClock(opts.graceSeconds ?? 0.5);

  let stoppedBy = 'end';
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    stoppedBy = why;
    source.stop();
  };

  const totals = (): CaptureTotals => {
    const s = source.stats(), st = pipeline.stats;
    return { received: s.received, dropped: s.dropped, ifDropped: s.ifDropped, captured: s.captured, processed: st.records, bytes: st.bytes, rows: st.rows };
  };
  const writeStats = (final: boolean) => {
    const state = pipeline.stateBytes();
    let stateBytes = 0;
    for (const v of Object.values(state)) stateBytes += v;
    const rec = statsWriter.write(totals(), { captureTime: clock.estimate(Date.now()), activeUnits: pipeline.activeUnits, stateBytes, final });
    opts.onStats?.(rec);
  };

  let nextStats = t0 + statsMs;
  const tick = () => {
    const now = Date.now();
    const est = clock.estimate(now);
    if (est > -Infinity) {
      pipeline.advanceTo(est);
      if (workers === 1) sink.tick(est);
    }
    if (now >= nextStats) {
      writeStats(false);
      nextStats = Math.max(nextStats + statsMs, now + statsMs / 2);
    }
  };
  const timer = setInterval(tick, tickMs);
  const durationTimer = opts.duration !== undefined ? setTimeout(() => stop('duration'), opts.duration * 1000) : undefined;
  const removeSignals = opts.handleSignals === false ? () => {} : onStopSignals((sig) => stop(`signal:${sig}`), { log: (m) => process.stderr.write(`refinery live: ${m}\n`) });
  const onAbort = () => stop('abort');
  if (opts.signal?.aborted) stop('abort');
  opts.signal?.addEventListener('abort', onAbort);
  opts.onStart?.({ iface: opts.iface, linkType: source.linkType, out: opts.out, statsFile });

  let failure: unknown = null;
  try {
    for await (const batch of source) {
      await pipeline.processBatch(batch);
      clock.observe(pipeline.captureTime, Date.now());
      if (workers === 1) sink.tick(pipeline.captureTime);
    }
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(timer);
    if (durationTimer) clearTimeout(durationTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  // Flush: open bins out, files completed, a last statistics line.
  try {
    await pipeline.finish();
    await source.close();
    writeStats(true);
    statsWriter.close();
    await sink.end();
    for (const x of opts.sinks ?? []) await x.end?.();
  } catch (e) {
    failure ??= e;
  } finally {
    removeSignals();
  }
  const st = pipeline.stats;
  st.elapsedMs = Date.now() - t0;
  const summary: LiveSummary = {
    iface: opts.iface, out: opts.out, files: [...sink.files].sort((a, b) => a.start - b.start || a.path.localeCompare(b.path)), statsFile,
    rows: st.rows, records: st.records, packets: st.packets, bytes: st.bytes, flows: st.flows, capture: source.stats(),
    elapsedSeconds: (Date.now() - t0) / 1000, stoppedBy: failure ? 'error' : stoppedBy, stats: st,
  };
  if (failure) {
    if (failure instanceof Error) (failure as Error & { summary?: LiveSummary }).summary = summary;
    throw failure;
  }
  return summary;
}
