import { readFileSync, writeFileSync } from 'node:fs';
import { labelBins } from '../datasets/labelBins';
import type { RefineryConfig } from '../config/config';
import { RandomForestClassifier, RandomForestRegressor } from './forest';
import type { ForestJSON } from './forest/forest';
import { extractDataset, DatasetSource } from './dataset';
import { representationClasses, representationColumns } from './representation';
import { resolutionTask, startupTask, startupBins } from './tasks';
import { fitForest, predict, ModelOptions } from './evaluate';
import { toMatrix, Row } from './matrix';

export const MODEL_FORMAT = 'traffic-refinery/qoe-model';

/** A model that cannot be read, or cannot run on a config: a user's problem, said plainly. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** A trained model as saved: what it needs to run on live or replayed bins. */
export interface SavedModel {
  format: typeof MODEL_FORMAT;
  version: 1;
  representation: string;
  /** Feature classes the representation needs (a config must collect all of them). */
  classes: string[];
  bin: number;
  /** Columns of one bin, in the order the forests expect. */
  columns: string[];
  /** Startup regressor: how many leading bins (window seconds) it reads. */
  startupBins: number;
  startupWindow: number;
  resolution: ForestJSON | null;
  startup: ForestJSON | null;
  trainedOn: { sessions: number; resolutionRows: number; startupRows: number; dataset: string };
  createdAt: string;
}

export interface TrainOptions extends ModelOptions {
  dataset: DatasetSource;
  representation: string;
  bin: number;
  workers?: number | 'auto';
  /** Seconds of session start the startup regressor looks at (default 10, the paper's). */
  startupWindow?: number;
}

/** Trains the resolution classifier and the startup-delay regressor on a whole dataset. */
export async function trainModel(o: TrainOptions): Promise<QoeModel> {
  const classes = representationClasses(o.representation);
  const f = await extractDataset({ dataset: o.dataset, classes, bins: [o.bin], workers: o.workers });
  const columns = representationColumns(o.representation, f.table.columns);
  const window = o.startupWindow ?? 10;
  const labeled = labelBins(f.rows, f.labels, { binSize: o.bin }).table;
  const res = resolutionTask(labeled, columns);
  const st = startupTask(f.rows, f.labels, columns, o.bin, window);
  const resolution = res.y.length ? await fitForest('resolution', res, o) : null;
  const startup = st.y.length ? await fitForest('startup', st, o) : null;
  return new QoeModel({
    format: MODEL_FORMAT, version: 1, representation: o.representation, classes, bin: o.bin, columns,
    startupBins: startupBins(o.bin, window), startupWindow: window,
    resolution: resolution ? (resolution.toJSON() as ForestJSON) : null,
    startup: startup ? (startup.toJSON() as ForestJSON) : null,
    trainedOn: { sessions: f.labels.sessions.length, resolutionRows: res.y.length, startupRows: st.y.length, dataset: typeof o.dataset === 'string' ? o.dataset : '(in memory)' },
    createdAt: new Date().toISOString(),
  });
}

/** A loaded model: predicts resolution per bin and startup delay per session from feature rows. */
export class QoeModel {
  readonly resolutionForest: RandomForestClassifier | null;
  readonly startupForest: RandomForestRegressor | null;

  constructor(readonly saved: SavedModel) {
    if (saved.format !== MODEL_FORMAT) throw new Error(`not a traffic-refinery model (format "${String(saved.format)}")`);
    this.resolutionForest = saved.resolution ? RandomForestClassifier.load(saved.resolution) : null;
    this.startupForest = saved.startup ? RandomForestRegressor.load(saved.startup) : null;
  }

  static load(path: string): QoeModel {
    let json: SavedModel;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as SavedModel;
    } catch (e) {
      throw new ModelError(`${path}: cannot read model: ${(e as Error).message}`);
    }
    try {
      return new QoeModel(json);
    } catch (e) {
      throw new ModelError(`${path}: ${(e as Error).message}`);
    }
  }

  save(path: string): void {
    writeFileSync(path, JSON.stringify(this.saved));
  }

  get columns(): string[] { return this.saved.columns; }
  get bin(): number { return this.saved.bin; }

  /**
   * Refuses (throws, saying what is missing) a config that does not collect this model's
   * classes for some service, or bins without the model's bin size.
   */
  checkConfig(config: RefineryConfig, bins: readonly number[] = config.bins): void {
    const problems: string[] = [];
    if (!bins.includes(this.saved.bin)) problems.push(`bins ${JSON.stringify(bins)} lack the model's ${this.saved.bin} s`);
    for (const s of config.services) {
      const missing = this.saved.classes.filter((c) => !s.collect.includes(c));
      if (missing.length) problems.push(`service ${s.name} does not collect ${missing.join(', ')}`);
    }
    if (problems.length) {
      throw new ModelError(`model trained on representation "${this.saved.representation}" (${this.saved.classes.join(', ')}, ${this.saved.bin} s bins) cannot run on this config: ${problems.join('; ')}`);
    }
  }

  /** Predicted resolution (pixel height) and class probabilities for each row. */
  predictResolution(rows: readonly Row[]): { resolution: number[]; probabilities: number[][]; classes: number[] } {
    const f = this.resolutionForest;
    if (!f) throw new Error('this model has no resolution classifier');
    const X = toMatrix(rows, this.saved.columns);
    const n = this.saved.columns.length;
    const probs = f.predictProbabilitiesMatrix(X, rows.length, n);
    const k = f.classes.length;
    const probabilities = rows.map((_, i) => Array.from(probs.subarray(i * k, (i + 1) * k)));
    return { resolution: Array.from(predict(f, X, n)), probabilities, classes: [...f.classes] };
  }

  /** Predicted startup delay (s) from a session's first bins (in order; missing bins are NaN). */
  predictStartup(firstBins: readonly (Row | undefined)[]): number {
    const f = this.startupForest;
    if (!f) throw new Error('this model has no startup regressor');
    const k = this.saved.startupBins, cols = this.saved.columns;
    const o: Row = {};
    for (let b = 0; b < k; b++) for (const c of cols) o[k === 1 ? c : `${c}@${b}`] = firstBins[b]?.[c] ?? NaN;
    const wide = [];
    for (let b = 0; b < k; b++) for (const c of cols) wide.push(k === 1 ? c : `${c}@${b}`);
    return predict(f, toMatrix([o], wide), wide.length)[0];
  }
}
