/**
 * RandomForestClassifier and RandomForestRegressor: the public face of the engine.
 *
 * Training:
 * - `train(X, y)` / `trainMatrix(data, nRows, nCols, y)` are synchronous and run on the calling
 *   thread (single-threaded; they ignore `threads`).
 * - `trainAsync` / `trainMatrixAsync` grow the trees on `threads` worker threads (default
 *   os.availableParallelism()); with threads = 1 they run on the main thread.
 * Both give the same forest for the same seed (each tree's randomness comes from (seed, index)).
 *
 * Behaviour worth knowing:
 * - Non-finite values in X or y, an empty or ragged table, and a y of the wrong length throw with
 *   the row and column named.
 * - A column that is constant in the training table is never used for a split (its importance is 0).
 * - With a single class in y every tree is one leaf: every prediction is that class (probability 1).
 * - Classification averages the trees' leaf class probabilities (soft voting, as scikit-learn);
 *   ties go to the smallest class. Classes are the distinct labels sorted ascending.
 */
import { aggregateImportances } from './importance';
import { resolveDraws, resolveMaxFeatures, resolveOptions, type ForestOptions, type ResolvedOptions } from './options';
import { quantize } from './quantize';
import { treeFromJSON, treeToJSON, type TreeJSON } from './serialize';
import { trainOnMainThread, trainOnWorkers, type TrainJob, type TrainedTrees } from './trainer';
import { accumulateTree, drawSample, leafSlot, type FlatTree, type GrowParams, type Task } from './tree';
import { matrixFromRows, matrixFromTyped, targetsFrom, type Matrix } from './validate';

export const MODEL_VERSION = 1;

export interface ForestJSON {
  name: 'RefineryRFClassifier' | 'RefineryRFRegressor';
  version: number;
  options: Omit<ResolvedOptions, 'threads'>;
  nFeatures: number;
  /** Sorted class labels (classifier only). */
  classes?: number[];
  featureImportances: number[];
  oobScore: number | null;
  trees: TreeJSON[];
}

interface Prepared {
  job: TrainJob;
  matrix: Matrix;
  /** Class codes (classifier) or targets (regressor) in plain memory, for the OOB score. */
  target: Uint16Array | Float64Array;
}

abstract class RandomForestBase {
  readonly options: ResolvedOptions;
  /** Number of features the model was trained on. */
  nFeatures = 0;
  trees: FlatTree[] = [];
  /** Mean decrease in impurity per feature, summing to 1 (all 0 if no tree split). */
  featureImportances: number[] = [];
  /** Out-of-bag accuracy (classifier) or R^2 (regressor) when trained with oobScore: true. */
  oobScore: number | null = null;
  /** Out-of-bag prediction of each training row (NaN for rows in every bootstrap sample). */
  oobPredictions: number[] | null = null;

  protected constructor(
    readonly task: Task,
    options: ForestOptions | ResolvedOptions,
    resolved = false,
  ) {
    this.options = resolved ? { ...(options as ResolvedOptions) } : resolveOptions(task, options as ForestOptions);
  }

  protected abstract encodeTargets(y: Float64Array): { y: Uint16Array | Float64Array; nClasses: number };
  protected abstract scoreOOB(acc: Float64Array, counts: Int32Array, target: Uint16Array | Float64Array): void;

  /** Trains on rows of numbers, on the calling thread. */
  train(X: ArrayLike<ArrayLike<number>>, y: ArrayLike<number>): this {
    const m = matrixFromRows(X, 'train X');
    return this.finish(this.prepare(m, targetsFrom(y, m.nRows, 'train')), null);
  }

  /** Trains on rows of numbers using worker threads (`threads` option). */
  async trainAsync(X: ArrayLike<ArrayLike<number>>, y: ArrayLike<number>): Promise<this> {
    const m = matrixFromRows(X, 'train X');
    const prep = this.prepare(m, targetsFrom(y, m.nRows, 'train'));
    return this.finish(prep, await trainOnWorkers(prep.job, this.options.threads));
  }

  /** Trains on a row-major typed table (nRows x nCols), on the calling thread. */
  trainMatrix(data: ArrayLike<number>, nRows: number, nCols: number, y: ArrayLike<number>): this {
    const m = matrixFromTyped(data, nRows, nCols, 'train X');
    return this.finish(this.prepare(m, targetsFrom(y, m.nRows, 'train')), null);
  }

  /** Trains on a row-major typed table using worker threads. */
  async trainMatrixAsync(data: ArrayLike<number>, nRows: number, nCols: number, y: ArrayLike<number>): Promise<this> {
    const m = matrixFromTyped(data, nRows, nCols, 'train X');
    const prep = this.prepare(m, targetsFrom(y, m.nRows, 'train'));
    return this.finish(prep, await trainOnWorkers(prep.job, this.options.threads));
  }

  /** ml-random-forest name for {@link featureImportances}. */
  featureImportance(): number[] {
    return this.featureImportances.slice();
  }

  /** ml-random-forest style access to the out-of-bag predictions. */
  predictOOB(): number[] {
    if (!this.oobPredictions) throw new Error('no out-of-bag predictions: train with oobScore: true first');
    return this.oobPredictions.slice();
  }

  private prepare(m: Matrix, y: Float64Array): Prepared {
    const o = this.options;
    const table = quantize(m.data, m.nRows, m.nCols, o.maxBins);
    const enc = this.encodeTargets(y);
    const shared =
      enc.y instanceof Uint16Array
        ? new Uint16Array(new SharedArrayBuffer(enc.y.byteLength))
        : new Float64Array(new SharedArrayBuffer(enc.y.byteLength));
    shared.set(enc.y);
    const params: GrowParams = {
      task: this.task,
      criterion: o.criterion,
      nClasses: enc.nClasses,
      maxFeatures: resolveMaxFeatures(o.maxFeatures, m.nCols),
      maxDepth: o.maxDepth ?? Infinity,
      minSamplesLeaf: o.minSamplesLeaf,
      minSamplesSplit: o.minSamplesSplit,
      bootstrap: o.bootstrap,
      nDraws: resolveDraws(o.maxSamples, m.nRows),
      seed: o.seed,
    };
    this.nFeatures = m.nCols;
    return { job: { table, y: shared, params, nEstimators: o.nEstimators }, matrix: m, target: enc.y };
  }

  private finish(prep: Prepared, trained: TrainedTrees | null): this {
    const result = trained ?? trainOnMainThread(prep.job);
    this.trees = result.trees;
    this.featureImportances = aggregateImportances(result.importances, this.nFeatures);
    this.oobScore = null;
    this.oobPredictions = null;
    if (this.options.oobScore) this.computeOOB(prep);
    return this;
  }

  private computeOOB(prep: Prepared): void {
    const { data, nRows, nCols } = prep.matrix;
    const nOut = this.trees[0].nOut;
    const acc = new Float64Array(nRows * nOut);
    const counts = new Int32Array(nRows);
    const w = new Float64Array(nRows);
    for (let t = 0; t < this.trees.length; t++) {
      drawSample(prep.job.params, t, nRows, w);
      const tree = this.trees[t];
      const value = tree.value;
      for (let i = 0; i < nRows; i++) {
        if (w[i] !== 0) continue;
        const slot = leafSlot(tree, data, i * nCols) * nOut;
        for (let k = 0; k < nOut; k++) acc[i * nOut + k] += value[slot + k];
        counts[i]++;
      }
    }
    this.scoreOOB(acc, counts, prep.target);
  }

  /** Sum over trees of the leaf outputs for a checked table (nRows x nOut). */
  protected accumulate(m: Matrix): Float64Array {
    if (this.trees.length === 0) throw new Error('the forest is not trained: call train() first');
    const nOut = this.trees[0].nOut;
    const out = new Float64Array(m.nRows * nOut);
    for (const tree of this.trees) accumulateTree(tree, m.data, m.nRows, m.nCols, out);
    return out;
  }

  protected checkRows(X: ArrayLike<ArrayLike<number>>): Matrix {
    if (this.trees.length === 0) throw new Error('the forest is not trained: call train() first');
    return matrixFromRows(X, 'predict X', this.nFeatures);
  }

  protected checkTyped(data: ArrayLike<number>, nRows: number, nCols: number): Matrix {
    if (this.trees.length === 0) throw new Error('the forest is not trained: call train() first');
    return matrixFromTyped(data, nRows, nCols, 'predict X', this.nFeatures);
  }

  protected baseJSON(name: ForestJSON['name']): ForestJSON {
    const { threads: _threads, ...options } = this.options;
    void _threads;
    return {
      name,
      version: MODEL_VERSION,
      options,
      nFeatures: this.nFeatures,
      featureImportances: this.featureImportances.slice(),
      oobScore: this.oobScore,
      trees: this.trees.map(treeToJSON),
    };
  }

  protected restore(j: ForestJSON): void {
    if (!Number.isInteger(j.nFeatures) || j.nFeatures < 1) throw new Error('invalid forest model: bad nFeatures');
    if (!Array.isArray(j.trees) || j.trees.length === 0) throw new Error('invalid forest model: no trees');
    this.nFeatures = j.nFeatures;
    this.trees = j.trees.map((t, i) => treeFromJSON(t, j.nFeatures, `trees[${i}]`));
    this.featureImportances = Array.isArray(j.featureImportances) ? j.featureImportances.slice() : [];
    this.oobScore = typeof j.oobScore === 'number' ? j.oobScore : null;
  }
}

function parseModel(json: ForestJSON | string, name: ForestJSON['name'], version = MODEL_VERSION): ForestJSON {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as ForestJSON;
  if (j === null || typeof j !== 'object') throw new Error('invalid forest model: not an object');
  if (j.name !== name) throw new Error(`invalid forest model: expected name ${name}, got ${String(j.name)}`);
  if (j.version !== version) throw new Error(`unsupported forest model version ${String(j.version)} (expected ${version})`);
  return j;
}

export class RandomForestClassifier extends RandomForestBase {
  /** Sorted distinct training labels; probabilities are given in this order. */
  classes: number[] = [];

  constructor(options: ForestOptions = {}) {
    super('classification', options);
  }

  protected encodeTargets(y: Float64Array): { y: Uint16Array; nClasses: number } {
    const classes = Array.from(new Set(y)).sort((a, b) => a - b);
    if (classes.length > 65535) throw new Error(`too many classes (${classes.length}); at most 65535 are supported`);
    const code = new Map<number, number>();
    classes.forEach((c, i) => code.set(c, i));
    const out = new Uint16Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = code.get(y[i]) as number;
    this.classes = classes;
    return { y: out, nClasses: classes.length };
  }

  protected scoreOOB(acc: Float64Array, counts: Int32Array, target: Uint16Array | Float64Array): void {
    const K = this.classes.length;
    const preds: number[] = new Array(counts.length);
    let right = 0;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) {
        preds[i] = NaN;
        continue;
      }
      const best = argmax(acc, i * K, K);
      preds[i] = this.classes[best];
      seen++;
      if (best === target[i]) right++;
    }
    this.oobPredictions = preds;
    this.oobScore = seen > 0 ? right / seen : null;
  }

  private probaTable(m: Matrix): Float64Array {
    const acc = this.accumulate(m);
    const inv = 1 / this.trees.length;
    for (let k = 0; k < acc.length; k++) acc[k] *= inv;
    return acc;
  }

  private labels(p: Float64Array, nRows: number): Float64Array {
    const K = this.classes.length;
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) out[i] = this.classes[argmax(p, i * K, K)];
    return out;
  }

  /** Predicted class label of each row. */
  predict(X: ArrayLike<ArrayLike<number>>): number[] {
    const m = this.checkRows(X);
    return Array.from(this.labels(this.probaTable(m), m.nRows));
  }

  /** Predicted labels for a row-major typed table. */
  predictMatrix(data: ArrayLike<number>, nRows: number, nCols: number): Float64Array {
    const m = this.checkTyped(data, nRows, nCols);
    return this.labels(this.probaTable(m), nRows);
  }

  /** Per-row class probabilities, in the order of {@link classes}. */
  predictProbabilities(X: ArrayLike<ArrayLike<number>>): number[][] {
    const m = this.checkRows(X);
    const p = this.probaTable(m);
    const K = this.classes.length;
    const out: number[][] = new Array(m.nRows);
    for (let i = 0; i < m.nRows; i++) out[i] = Array.from(p.subarray(i * K, i * K + K));
    return out;
  }

  /** Class probabilities for a row-major typed table, nRows x nClasses row-major. */
  predictProbabilitiesMatrix(data: ArrayLike<number>, nRows: number, nCols: number): Float64Array {
    return this.probaTable(this.checkTyped(data, nRows, nCols));
  }

  /** ml-random-forest compatible: probability of one label for each row (0 for an unknown label). */
  predictProbability(X: ArrayLike<ArrayLike<number>>, label: number): number[] {
    const m = this.checkRows(X);
    const k = this.classes.indexOf(label);
    if (k < 0) return new Array<number>(m.nRows).fill(0);
    const p = this.probaTable(m);
    const K = this.classes.length;
    const out = new Array<number>(m.nRows);
    for (let i = 0; i < m.nRows; i++) out[i] = p[i * K + k];
    return out;
  }

  toJSON(): ForestJSON {
    const j = this.baseJSON('RefineryRFClassifier');
    j.classes = this.classes.slice();
    return j;
  }

  static load<T extends RandomForestClassifier>(this: new (o: ForestOptions) => T, json: ForestJSON | string): T {
    const j = parseModel(json, 'RefineryRFClassifier');
    const f = new this({ ...(j.options as ForestOptions), maxDepth: j.options.maxDepth ?? undefined, maxSamples: j.options.maxSamples ?? undefined });
    if (!Array.isArray(j.classes) || j.classes.length === 0) throw new Error('invalid forest model: no classes');
    f.restore(j);
    f.classes = j.classes.slice();
    for (const t of f.trees) {
      if (t.nOut !== f.classes.length) throw new Error('invalid forest model: trees and classes disagree');
    }
    return f;
  }
}

export class RandomForestRegressor extends RandomForestBase {
  constructor(options: ForestOptions = {}) {
    super('regression', options);
  }

  protected encodeTargets(y: Float64Array): { y: Float64Array; nClasses: number } {
    return { y, nClasses: 1 };
  }

  protected scoreOOB(acc: Float64Array, counts: Int32Array, target: Uint16Array | Float64Array): void {
    const preds: number[] = new Array(counts.length);
    let n = 0;
    let mean = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      n++;
      mean += target[i];
    }
    mean /= n;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) {
        preds[i] = NaN;
        continue;
      }
      const p = acc[i] / counts[i];
      preds[i] = p;
      ssRes += (target[i] - p) ** 2;
      ssTot += (target[i] - mean) ** 2;
    }
    this.oobPredictions = preds;
    this.oobScore = n === 0 ? null : ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
  }

  private means(m: Matrix): Float64Array {
    const acc = this.accumulate(m);
    const inv = 1 / this.trees.length;
    for (let k = 0; k < acc.length; k++) acc[k] *= inv;
    return acc;
  }

  /** Mean of the trees' predictions for each row. */
  predict(X: ArrayLike<ArrayLike<number>>): number[] {
    return Array.from(this.means(this.checkRows(X)));
  }

  /** Predictions for a row-major typed table. */
  predictMatrix(data: ArrayLike<number>, nRows: number, nCols: number): Float64Array {
    return this.means(this.checkTyped(data, nRows, nCols));
  }

  toJSON(): ForestJSON {
    return this.baseJSON('RefineryRFRegressor');
  }

  static load<T extends RandomForestRegressor>(this: new (o: ForestOptions) => T, json: ForestJSON | string): T {
    const j = parseModel(json, 'RefineryRFRegressor');
    const f = new this({ ...(j.options as ForestOptions), maxDepth: j.options.maxDepth ?? undefined, maxSamples: j.options.maxSamples ?? undefined });
    f.restore(j);
    return f;
  }
}

/** ml-random-forest's name for the regressor. */
export { RandomForestRegressor as RandomForestRegression };

function argmax(a: Float64Array, off: number, K: number): number {
  let best = 0;
  let bv = a[off];
  for (let k = 1; k < K; k++) {
    if (a[off + k] > bv) {
      bv = a[off + k];
      best = k;
    }
  }
  return best;
}
