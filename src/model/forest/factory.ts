/**
 * One interface over two engines, so sweeps can switch engine with a string:
 * - 'refinery': this folder's histogram forest;
 * - 'ml-random-forest': the npm package, kept as a reference (slow: O(n^2) split search, features
 *   drawn once per tree, majority vote). Options are mapped onto its own: maxFeatures is turned
 *   into its per-tree feature count, maxDepth/minSamplesSplit into treeOptions, bootstrap into
 *   useSampleBagging, oobScore into noOOB. It has no worker threads; trainAsync runs train.
 *
 * `createForest({ engine, task, ...options })` returns a {@link ForestModel};
 * `loadForest(json)` restores either engine from `model.toJSON()`.
 */
import * as mlrf from 'ml-random-forest';
import { RandomForestClassifier, RandomForestRegressor, type ForestJSON } from './forest';
import { resolveMaxFeatures, type ForestOptions } from './options';
import type { Task } from './tree';
import { matrixFromRows, targetsFrom } from './validate';

export type Engine = 'refinery' | 'ml-random-forest';

export interface CreateForestOptions extends ForestOptions {
  engine?: Engine;
  task: Task;
}

export interface ForestModel {
  readonly engine: Engine;
  readonly task: Task;
  train(X: number[][], y: number[]): unknown;
  trainAsync(X: number[][], y: number[]): Promise<unknown>;
  predict(X: number[][]): number[];
  /** Classification only: per-row probabilities over `classes` (sorted labels). */
  predictProbabilities(X: number[][]): number[][];
  readonly classes: number[];
  featureImportance(): number[];
  toJSON(): object;
}

/** JSON of an ml-random-forest model wrapped by {@link MlRandomForest}. */
export interface MlForestJSON {
  name: 'MlRandomForestWrapper';
  task: Task;
  classes: number[];
  model: unknown;
}

interface MlBase {
  train(X: number[][], y: number[]): void;
  predict(X: number[][]): number[];
  predictionValues(X: number[][]): { rows: number; getRow(i: number): number[] };
  featureImportance(): number[];
  toJSON(): unknown;
}

interface MlModule {
  RandomForestClassifier: { new (o: object): MlBase; load(j: unknown): MlBase };
  RandomForestRegression: { new (o: object): MlBase; load(j: unknown): MlBase };
}

const ml = mlrf as unknown as MlModule;

/** ml-random-forest behind the {@link ForestModel} interface. */
export class MlRandomForest implements ForestModel {
  readonly engine = 'ml-random-forest' as const;
  classes: number[] = [];
  private model: MlBase | null = null;

  constructor(
    readonly task: Task,
    private readonly options: ForestOptions = {},
  ) {}

  train(X: number[][], y: number[]): this {
    const m = matrixFromRows(X, 'train X');
    const t = targetsFrom(y, m.nRows, 'train');
    const o = this.options;
    const mf = o.maxFeatures ?? (this.task === 'classification' ? 'sqrt' : 1);
    const count = resolveMaxFeatures(mf, m.nCols);
    const treeOptions: Record<string, unknown> = { ...(o.treeOptions ?? {}) };
    if (o.maxDepth !== undefined) treeOptions.maxDepth = o.maxDepth;
    if (o.minSamplesSplit !== undefined) treeOptions.minNumSamples = o.minSamplesSplit;
    const mlOptions = {
      nEstimators: o.nEstimators ?? 100,
      // ml-random-forest reads numbers in (0, 1] as fractions: 1 means all features, so one
      // feature out of several is asked for as a fraction just above 1 / nCols
      maxFeatures: count === m.nCols ? 1.0 : count === 1 ? (1 + 1e-9) / m.nCols : count,
      seed: o.seed ?? 42,
      replacement: o.replacement ?? false,
      useSampleBagging: o.bootstrap ?? o.useSampleBagging ?? true,
      noOOB: !(o.oobScore ?? (o.noOOB === undefined ? false : !o.noOOB)),
      treeOptions,
    };
    const Model = this.task === 'classification' ? ml.RandomForestClassifier : ml.RandomForestRegression;
    this.model = new Model(mlOptions);
    this.classes = this.task === 'classification' ? Array.from(new Set(t)).sort((a, b) => a - b) : [];
    this.model.train(X, Array.from(t));
    return this;
  }

  async trainAsync(X: number[][], y: number[]): Promise<this> {
    return this.train(X, y);
  }

  private get trained(): MlBase {
    if (!this.model) throw new Error('the forest is not trained: call train() first');
    return this.model;
  }

  predict(X: number[][]): number[] {
    return this.trained.predict(X);
  }

  /** Fraction of trees voting for each class. */
  predictProbabilities(X: number[][]): number[][] {
    if (this.task !== 'classification') throw new Error('predictProbabilities is for classification');
    const v = this.trained.predictionValues(X);
    const out: number[][] = [];
    for (let i = 0; i < v.rows; i++) {
      const votes = v.getRow(i);
      out.push(this.classes.map((c) => votes.filter((x) => x === c).length / votes.length));
    }
    return out;
  }

  featureImportance(): number[] {
    return this.trained.featureImportance();
  }

  toJSON(): MlForestJSON {
    return { name: 'MlRandomForestWrapper', task: this.task, classes: this.classes.slice(), model: this.trained.toJSON() };
  }

  static load(j: MlForestJSON): MlRandomForest {
    const f = new MlRandomForest(j.task);
    f.classes = j.classes.slice();
    f.model = j.task === 'classification' ? ml.RandomForestClassifier.load(j.model) : ml.RandomForestRegression.load(j.model);
    return f;
  }
}

class RefineryClassifierModel extends RandomForestClassifier implements ForestModel {
  readonly engine = 'refinery' as const;
}

class RefineryRegressorModel extends RandomForestRegressor implements ForestModel {
  readonly engine = 'refinery' as const;
  readonly classes: number[] = [];
  predictProbabilities(): number[][] {
    throw new Error('predictProbabilities is for classification');
  }
}

export function createForest(o: CreateForestOptions): ForestModel {
  const { engine = 'refinery', task, ...options } = o;
  if (task !== 'classification' && task !== 'regression') {
    throw new Error(`task must be 'classification' or 'regression', got ${String(task)}`);
  }
  if (engine === 'ml-random-forest') return new MlRandomForest(task, options);
  if (engine !== 'refinery') throw new Error(`unknown forest engine ${String(engine)}`);
  return task === 'classification' ? new RefineryClassifierModel(options) : new RefineryRegressorModel(options);
}

/** Restores a model saved with toJSON() by either engine. */
export function loadForest(json: object | string): ForestModel {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as { name?: unknown };
  if (j.name === 'MlRandomForestWrapper') return MlRandomForest.load(j as MlForestJSON);
  if (j.name === 'RefineryRFClassifier') return RefineryClassifierModel.load(j as ForestJSON);
  if (j.name === 'RefineryRFRegressor') return RefineryRegressorModel.load(j as ForestJSON);
  throw new Error(`unknown forest model name ${String(j.name)}`);
}
