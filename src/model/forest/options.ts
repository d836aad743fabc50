/**
 * Options of the forests, their defaults and their resolution to concrete numbers.
 * Names follow ml-random-forest where it has them (nEstimators, maxFeatures, seed, replacement,
 * useSampleBagging, noOOB, treeOptions) and scikit-learn otherwise.
 */
import * as os from 'os';
import type { Criterion, Task } from './tree';

/**
 * Features examined at each split:
 * - 'sqrt' | 'log2': max(1, floor(f(nFeatures))) as in scikit-learn;
 * - 'all': every feature;
 * - a number in (0, 1]: that fraction of the features, max(1, floor(fraction * nFeatures)), so 1
 *   means all features (as scikit-learn's 1.0; JavaScript cannot tell 1 from 1.0);
 * - an integer >= 2: that many features (capped at nFeatures).
 */
export type MaxFeatures = 'sqrt' | 'log2' | 'all' | number;

export interface ForestOptions {
  /** Number of trees (default 100). */
  nEstimators?: number;
  /** Features drawn at every split (classifier default 'sqrt', regressor default 1.0 = all). */
  maxFeatures?: MaxFeatures;
  /** Seed of all randomness (32-bit integer, default 42). */
  seed?: number;
  /** Maximum depth (default unlimited). */
  maxDepth?: number;
  /** Minimum distinct in-bag rows in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Minimum distinct in-bag rows to split a node (default 2). */
  minSamplesSplit?: number;
  /** Split criterion: 'gini' (default) | 'entropy' for classifiers, 'mse' (alias 'variance') for regressors. */
  criterion?: 'gini' | 'entropy' | 'mse' | 'variance' | 'squared_error';
  /** Bootstrap rows for each tree (default true); false trains every tree on all rows. */
  bootstrap?: boolean;
  /** Bootstrap draws per tree: a fraction in (0, 1] of the rows or a count (default: all rows). */
  maxSamples?: number;
  /** Compute the out-of-bag score after training (default false; needs bootstrap). */
  oobScore?: boolean;
  /** Worker threads for trainAsync (default os.availableParallelism(); 1 = main thread). */
  threads?: number;
  /** Bins per feature, 2..256 (default 256). */
  maxBins?: number;
  /**
   * Accepted for ml-random-forest compatibility and ignored: features are always drawn without
   * replacement, at every split.
   */
  replacement?: boolean;
  /** ml-random-forest alias of `bootstrap`. */
  useSampleBagging?: boolean;
  /** ml-random-forest alias of `oobScore: false` (noOOB: false turns the OOB score on). */
  noOOB?: boolean;
  /** ml-random-forest tree options: maxDepth and minNumSamples (= minSamplesSplit) are honoured. */
  treeOptions?: { maxDepth?: number; minNumSamples?: number; [k: string]: unknown };
}

/** Options after defaults, as stored in the model. */
export interface ResolvedOptions {
  nEstimators: number;
  maxFeatures: MaxFeatures;
  seed: number;
  maxDepth: number | null;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  criterion: Criterion;
  bootstrap: boolean;
  maxSamples: number | null;
  oobScore: boolean;
  threads: number;
  maxBins: number;
}

export function defaultThreads(): number {
  const osAny = os as unknown as { availableParallelism?: () => number };
  return typeof osAny.availableParallelism === 'function' ? osAny.availableParallelism() : os.cpus().length;
}

function positiveInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`option ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

export function resolveOptions(task: Task, o: ForestOptions = {}): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new Error('forest options must be an object');
  const nEstimators = positiveInt('nEstimators', o.nEstimators ?? 100, 1);
  const maxFeatures = o.maxFeatures ?? (task === 'classification' ? 'sqrt' : 1);
  if (typeof maxFeatures === 'number') {
    if (!(maxFeatures > 0) || (maxFeatures > 1 && !Number.isInteger(maxFeatures))) {
      throw new Error(`option maxFeatures must be a fraction in (0, 1] or an integer count, got ${maxFeatures}`);
    }
  } else if (maxFeatures !== 'sqrt' && maxFeatures !== 'log2' && maxFeatures !== 'all') {
    throw new Error(`option maxFeatures must be 'sqrt', 'log2', 'all' or a number, got ${String(maxFeatures)}`);
  }
  const seed = o.seed ?? 42;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`option seed must be an integer, got ${String(seed)}`);
  const rawDepth = o.maxDepth ?? o.treeOptions?.maxDepth;
  let maxDepth: number | null = null;
  if (rawDepth !== undefined && rawDepth !== null && rawDepth !== Infinity) maxDepth = positiveInt('maxDepth', rawDepth, 1);
  const minSamplesLeaf = positiveInt('minSamplesLeaf', o.minSamplesLeaf ?? 1, 1);
  const minSamplesSplit = positiveInt('minSamplesSplit', o.minSamplesSplit ?? o.treeOptions?.minNumSamples ?? 2, 2);
  let criterion: Criterion;
  const c = o.criterion ?? (task === 'classification' ? 'gini' : 'mse');
  if (task === 'classification') {
    if (c !== 'gini' && c !== 'entropy') throw new Error(`classifier criterion must be 'gini' or 'entropy', got ${String(c)}`);
    criterion = c;
  } else {
    if (c !== 'mse' && c !== 'variance' && c !== 'squared_error') {
      throw new Error(`regressor criterion must be 'mse' (or 'variance'), got ${String(c)}`);
    }
    criterion = 'mse';
  }
  const bootstrap = o.bootstrap ?? o.useSampleBagging ?? true;
  if (typeof bootstrap !== 'boolean') throw new Error('option bootstrap must be a boolean');
  let maxSamples: number | null = null;
  if (o.maxSamples !== undefined && o.maxSamples !== null) {
    const ms = o.maxSamples;
    if (typeof ms !== 'number' || !(ms > 0) || (ms > 1 && !Number.isInteger(ms))) {
      throw new Error(`option maxSamples must be a fraction in (0, 1] or a positive integer, got ${String(ms)}`);
    }
    maxSamples = ms;
  }
  const oobScore = o.oobScore ?? (o.noOOB === undefined ? false : !o.noOOB);
  if (o.oobScore === true && !bootstrap) throw new Error('option oobScore needs bootstrap: true (no row is out of bag otherwise)');
  const threads = positiveInt('threads', o.threads ?? defaultThreads(), 1);
  const maxBins = o.maxBins ?? 256;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw new Error(`option maxBins must be an integer in [2, 256], got ${String(maxBins)}`);
  }
  return {
    nEstimators,
    maxFeatures,
    seed: seed | 0,
    maxDepth,
    minSamplesLeaf,
    minSamplesSplit,
    criterion,
    bootstrap,
    maxSamples,
    oobScore: oobScore && bootstrap,
    threads,
    maxBins,
  };
}

/** Number of features drawn per split for a table of nCols features. */
export function resolveMaxFeatures(mf: MaxFeatures, nCols: number): number {
  let k: number;
  if (mf === 'sqrt') k = Math.floor(Math.sqrt(nCols));
  else if (mf === 'log2') k = Math.floor(Math.log2(nCols));
  else if (mf === 'all') k = nCols;
  else if (mf <= 1) k = Math.floor(mf * nCols);
  else k = mf;
  return Math.min(nCols, Math.max(1, k));
}

/** Bootstrap draws per tree. */
export function resolveDraws(maxSamples: number | null, nRows: number): number {
  if (maxSamples === null) return nRows;
  if (maxSamples <= 1) return Math.max(1, Math.round(maxSamples * nRows));
  return Math.min(maxSamples, nRows);
}
