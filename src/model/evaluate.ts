import { RandomForestClassifier, RandomForestRegressor } from './forest';
import type { ForestOptions } from './forest/options';
import { groupKFold } from './cv';
import { classificationMetrics, regressionMetrics, ClassificationMetrics } from './metrics';
import { subset, TaskData } from './tasks';
import { Rng } from './forest/rng';

export type TaskKind = 'resolution' | 'startup';

export interface ModelOptions {
  /** Trees per forest (default 60). */
  trees?: number;
  /** Cross-validation folds, grouped by session (default 5). */
  folds?: number;
  seed?: number;
  /** Worker threads per forest (default: the cores). */
  threads?: number;
  maxFeatures?: ForestOptions['maxFeatures'];
  minSamplesLeaf?: number;
}

export type Forest = RandomForestClassifier | RandomForestRegressor;

/** Builds and trains a forest for a task (classifier for resolution, regressor for startup delay). */
export async function fitForest(kind: TaskKind, t: TaskData, o: ModelOptions = {}): Promise<Forest> {
  const opts: ForestOptions = {
    nEstimators: o.trees ?? 60, seed: o.seed ?? 1, threads: o.threads, minSamplesLeaf: o.minSamplesLeaf,
    maxFeatures: o.maxFeatures ?? (kind === 'resolution' ? 'sqrt' : 1 / 3),
  };
  const f = kind === 'resolution' ? new RandomForestClassifier(opts) : new RandomForestRegressor(opts);
  await f.trainMatrixAsync(t.X, t.y.length, t.nCols, t.y);
  return f;
}

export function predict(f: Forest, X: Float64Array, nCols: number): Float64Array {
  return f.predictMatrix(X, X.length / nCols, nCols);
}

export interface CvResult {
  kind: TaskKind;
  /** Metric name -> mean over folds, and its standard deviation. */
  metrics: Record<string, number>;
  std: Record<string, number>;
  /** Classification: confusion matrix summed over folds. */
  confusion?: { labels: number[]; matrix: number[][] };
  /** Out-of-fold predictions, aligned with the task's rows. */
  predictions: Float64Array;
  rows: number;
  sessions: number;
}

/**
 * Session-grouped k-fold cross-validation of a forest on a task. Every prediction is made
 * by a forest that never saw any bin of that row's session.
 */
export async function crossValidate(kind: TaskKind, t: TaskData, o: ModelOptions = {}): Promise<CvResult> {
  const folds = groupKFold(t.groups, o.folds ?? 5, o.seed ?? 1);
  const predictions = new Float64Array(t.y.length);
  const per: Record<string, number[]> = {};
  const labels = [...new Set(Array.from(t.y))].sort((a, b) => a - b);
  const confusion = labels.map(() => labels.map(() => 0));
  for (const fold of folds) {
    const train = subset(t, fold.train), test = subset(t, fold.test);
    const f = await fitForest(kind, train, o);
    const pred = predict(f, test.X, test.nCols);
    fold.test.forEach((i, k) => { predictions[i] = pred[k]; });
    const m: Record<string, number> = {};
    if (kind === 'resolution') {
      const c = classificationMetrics(test.y, pred, labels);
      m.accuracy = c.accuracy; m.precision_macro = c.precision_macro; m.recall_macro = c.recall_macro; m.f1_macro = c.f1_macro;
      c.confusion.forEach((row, i) => row.forEach((v, j) => { confusion[i][j] += v; }));
    } else {
      const r = regressionMetrics(test.y, pred);
      m.mae = r.mae; m.rmse = r.rmse;
    }
    for (const [k, v] of Object.entries(m)) (per[k] ??= []).push(v);
  }
  const metrics: Record<string, number> = {}, std: Record<string, number> = {};
  for (const [k, vs] of Object.entries(per)) {
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    metrics[k] = mean;
    std[k] = Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length);
  }
  return {
    kind, metrics, std, predictions, rows: t.y.length, sessions: new Set(t.groups).size,
    confusion: kind === 'resolution' ? { labels, matrix: confusion } : undefined,
  };
}

export interface Importance { feature: string; importance: number; std: number }

/**
 * Permutation importance on held-out rows: how much the score drops (accuracy, or MAE
 * rises) when one column is shuffled, averaged over `repeats` seeded shuffles.
 */
export function permutationImportance(kind: TaskKind, f: Forest, t: TaskData, o: { repeats?: number; seed?: number } = {}): Importance[] {
  const repeats = o.repeats ?? 3;
  const score = (X: Float64Array) => {
    const p = predict(f, X, t.nCols);
    return kind === 'resolution' ? classificationMetrics(t.y, p).accuracy : -regressionMetrics(t.y, p).mae;
  };
  const base = score(t.X);
  const n = t.y.length;
  const rng = new Rng(o.seed ?? 7);
  const rnd = () => rng.nextFloat();
  const X = Float64Array.from(t.X);
  const out: Importance[] = [];
  for (let j = 0; j < t.nCols; j++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const k = Math.floor(rnd() * (i + 1)); [perm[i], perm[k]] = [perm[k], perm[i]]; }
      for (let i = 0; i < n; i++) X[i * t.nCols + j] = t.X[perm[i] * t.nCols + j];
      drops.push(base - score(X));
      for (let i = 0; i < n; i++) X[i * t.nCols + j] = t.X[i * t.nCols + j];
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    out.push({ feature: t.columns[j], importance: mean, std: Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats) });
  }
  return out.sort((a, b) => b.importance - a.importance);
}

export type { ClassificationMetrics };
