import { labelBins } from '../datasets/labelBins';
import type { DatasetLabels } from '../datasets/labels';
import type { RefineryConfig } from '../config/config';
import { loadDanfo } from '../output/table';
import type { ExtractProgress } from '../pipeline/extract';
import { DEFAULT_REPRESENTATIONS, DEFAULT_SWEEP_BINS, representationClasses, representationColumns } from './representation';
import { extractDataset, DatasetSource, DatasetFeatures } from './dataset';
import { resolutionTask, startupTask, subset, TaskData } from './tasks';
import { groupKFold } from './cv';
import { crossValidate, fitForest, permutationImportance, ModelOptions, TaskKind, Importance, CvResult } from './evaluate';
import { paretoIndices, cheapestWithin, lowerIsBetter } from './pareto';
import type { Row } from './matrix';

export interface SweepOptions extends ModelOptions {
  dataset: DatasetSource;
  representations?: string[];
  bins?: number[];
  tasks?: TaskKind[];
  /** Worker threads for reading captures (default auto). */
  workers?: number | 'auto';
  /** Modules the capture workers require first (where users' feature classes register). */
  workerModules?: string[];
  /** Use only the first N sessions (quick runs). */
  limit?: number;
  /**
   * State/CPU costs per representation (rows with `feature_class` = representation), e.g.
   * profile().summary rows; with `bin_size`, per bin size (a row without it serves every bin).
   */
  costs?: Record<string, unknown>[];
  /** Measure costs with the profiler on this many captures when `costs` is not given (default 3; 0 = none). */
  profileCaptures?: number;
  config?: RefineryConfig;
  /** Compute permutation importance for each representation at this bin size (default: none). */
  importanceBin?: number;
  onProgress?: (p: { phase: 'extract' | 'model' | 'profile'; done: number; total: number; label: string }) => void;
}

/** One (representation, bin, task) evaluation with its costs, the wide form behind the tidy table. */
export interface SweepCell {
  representation: string;
  bin: number;
  task: TaskKind;
  rows: number;
  sessions: number;
  features: number;
  metrics: Record<string, number>;
  std: Record<string, number>;
  costs: Record<string, number>;
  confusion?: { labels: number[]; matrix: number[][] };
}

export interface SweepResult {
  /** Tidy: representation, bin, task, metric, value, std, then the cost columns. */
  rows: Row[];
  cells: SweepCell[];
  /** Permutation importance per representation (resolution task at `importanceBin`). */
  importance: Record<string, Importance[]>;
  /** The wide rows (one per representation x bin x task, metrics as columns, costs). */
  wide: Row[];
  features: DatasetFeatures;
  elapsedMs: number;
  toDataFrame(): import('danfojs-node').DataFrame;
}

/**
 * Cost columns of the sweep's rows. Processing is `ns_per_packet_mean` (all addPacket time /
 * packets: what sustaining a packet rate costs); the median and p99 of the profiler's blocks
 * describe the spread only: a class whose work falls on a minority of packets (TCP tracking
 * on mostly-QUIC traffic) has a median far below its mean.
 */
export const COST_COLUMNS = ['state_bytes_median', 'state_bytes_peak', 'ns_per_packet_mean', 'ns_per_packet_median', 'ns_per_packet_p99',
  'storage_bytes_per_hour_csv', 'storage_bytes_per_hour_jsonl', 'storage_bytes_per_hour_parquet'] as const;

/**
 * Trains and cross-validates forests for every representation x bin size x task, reading
 * each capture once for all bins, and joins each result with the representation's costs.
 */
export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const reps = o.representations ?? [...DEFAULT_REPRESENTATIONS];
  const bins = [...new Set(o.bins ?? [...DEFAULT_SWEEP_BINS])].sort((a, b) => a - b);
  const tasks = o.tasks ?? ['resolution', 'startup'];
  const classes = [...new Set(reps.flatMap(representationClasses))];
  const features = await extractDataset({
    dataset: o.dataset, classes, bins, config: o.config, workers: o.workers, workerModules: o.workerModules, limit: o.limit,
    onProgress: (p: ExtractProgress) => o.onProgress?.({ phase: 'extract', done: p.index + (p.fileBytes ? p.bytesRead / p.fileBytes : 0), total: p.total, label: p.capture }),
  });
  const available = features.table.columns;
  const labels = features.labels;
  const costs = o.costs ?? (await measureCosts(features, reps, bins, o));

  const cells: SweepCell[] = [];
  const importance: Record<string, Importance[]> = {};
  const total = reps.length * bins.length * tasks.length;
  let done = 0;
  for (const bin of bins) {
    const binRows = features.rows.filter((r) => Number(r.bin_size) === bin);
    const labeled = labelBins(binRows, labels, { binSize: bin }).table;
    for (const rep of reps) {
      const cols = representationColumns(rep, available);
      if (!cols.length) throw new Error(`representation "${rep}" has no columns in the extracted table`);
      for (const task of tasks) {
        o.onProgress?.({ phase: 'model', done: done++, total, label: `${rep} ${bin}s ${task}` });
        const data: TaskData = task === 'resolution' ? resolutionTask(labeled, cols) : startupTask(binRows, labels, cols, bin);
        if (new Set(data.groups).size < 2) continue;
        const cv: CvResult = await crossValidate(task, data, o);
        cells.push({
          representation: rep, bin, task, rows: cv.rows, sessions: cv.sessions, features: cols.length,
          metrics: cv.metrics, std: cv.std, costs: costsFor(costs, rep, bin, features, binRows, cols), confusion: cv.confusion,
        });
        if (task === 'resolution' && o.importanceBin === bin) {
          // Out of fold: fit without one fold's sessions, permute on those sessions only.
          const fold = groupKFold(data.groups, o.folds ?? 5, o.seed ?? 1)[0];
          const f = await fitForest(task, subset(data, fold.train), o);
          importance[rep] = permutationImportance(task, f, subset(data, fold.test), { seed: o.seed });
        }
      }
    }
  }
  const rows: Row[] = [];
  const wide: Row[] = [];
  for (const c of cells) {
    for (const [metric, value] of Object.entries(c.metrics)) {
      rows.push({ representation: c.representation, bin: c.bin, task: c.task, metric, value, std: c.std[metric], rows: c.rows, sessions: c.sessions, features: c.features, ...c.costs });
    }
    wide.push({ representation: c.representation, bin: c.bin, task: c.task, rows: c.rows, sessions: c.sessions, features: c.features, ...c.metrics, ...c.costs });
  }
  markPareto(wide);
  return {
    rows, cells, importance, wide, features, elapsedMs: performance.now() - t0,
    toDataFrame() { const dfd = loadDanfo(); return new dfd.DataFrame(rows); },
  };
}

/** Adds `pareto_<cost>` flags per task and metric to the wide rows. */
function markPareto(wide: Row[]): void {
  const tasks = [...new Set(wide.map((w) => String(w.task)))];
  for (const task of tasks) {
    const rows = wide.filter((w) => w.task === task);
    const metric = task === 'resolution' ? 'accuracy' : 'mae';
    for (const cost of COST_COLUMNS) {
      const idx = new Set(paretoIndices(rows.map((r) => Number(r[cost])), rows.map((r) => Number(r[metric])), lowerIsBetter(metric)));
      rows.forEach((r, i) => { r[`pareto_${cost}`] = idx.has(i) ? 1 : 0; });
    }
  }
}

/** The cheapest representation x bin within `tolerance` of the best, for a task's main metric. */
export function recommend(result: SweepResult, o: { task?: TaskKind; cost?: string; tolerance?: number; metric?: string } = {}) {
  const task = o.task ?? 'resolution';
  const metric = o.metric ?? (task === 'resolution' ? 'accuracy' : 'mae');
  return cheapestWithin(result.wide.filter((w) => w.task === task), { metric, cost: o.cost ?? 'state_bytes_median', tolerance: o.tolerance ?? 0.02 });
}

/**
 * Costs of one representation at one bin size: state and CPU from the profiler's summary
 * (per representation and bin size), storage measured on the sweep's own rows (bytes of the
 * representation's columns per hour of capture, per format).
 */
function costsFor(costs: Record<string, unknown>[], rep: string, bin: number, f: DatasetFeatures, binRows: Row[], cols: string[]): Record<string, number> {
  const mine = costs.filter((c) => c.feature_class === rep);
  const p = mine.find((c) => Number(c.bin_size) === bin) ?? mine.find((c) => c.bin_size === undefined) ?? {};
  const num = (k: string) => (p[k] === undefined ? NaN : Number(p[k]));
  const storage = storageOf(binRows, cols, f.hours);
  const out: Record<string, number> = {};
  for (const c of COST_COLUMNS) out[c] = c.startsWith('storage_') ? storage[c] : num(c);
  return out;
}

function storageOf(rows: Row[], cols: string[], hours: number): Record<string, number> {
  const { FeatureTable } = require('../output/table') as typeof import('../output/table');
  const { encodeTable } = require('../output/formats') as typeof import('../output/formats');
  const t = new FeatureTable('session', { featureColumns: cols });
  const values = new Float64Array(cols.length);
  for (const r of rows) {
    cols.forEach((c, i) => { values[i] = Number(r[c]); });
    t.row({ level: 'session', capture: String(r.capture), service: String(r.service), serviceIndex: 0, unit: 0, binSize: Number(r.bin_size),
      binStart: Number(r.bin_start), protocol: '', localIp: String(r.local_ip), localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '',
      flows: Number(r.flows), columns: cols, values, raw: null });
  }
  const h = Math.max(hours, 1e-9);
  return {
    storage_bytes_per_hour_csv: encodeTable(t, 'csv').length / h,
    storage_bytes_per_hour_jsonl: encodeTable(t, 'jsonl').length / h,
    storage_bytes_per_hour_parquet: encodeTable(t, 'parquet').length / h,
  };
}

/**
 * State and CPU per representation and bin size from the profiler, on the first few captures:
 * one profile per bin size, since state grows with the bin (application classes keep ~25 %
 * more at 60 s than at 2 s on the default dataset).
 */
async function measureCosts(f: DatasetFeatures, reps: string[], bins: number[], o: SweepOptions): Promise<Record<string, unknown>[]> {
  const n = o.profileCaptures ?? 3;
  if (n <= 0) return [];
  const { profileTables } = require('../profile') as typeof import('../profile');
  const captures = f.captures.slice(0, n);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < bins.length; i++) {
    o.onProgress?.({ phase: 'profile', done: i, total: bins.length, label: `${n} captures, ${bins[i]} s bins` });
    const t = await profileTables({
      captures, config: f.config, bins: [bins[i]], level: 'session', representations: reps, classes: [], heap: false,
      workers: o.workers, workerModules: o.workerModules,
    });
    for (const r of t.summary.rows as unknown as Record<string, unknown>[]) out.push({ ...r, bin_size: bins[i] });
  }
  return out;
}

export type { DatasetLabels };
