/** Classification and regression metrics, computed from scratch on plain arrays. */

/** Error-like metrics, where lower is better (everything else: higher is better). */
const LOWER_IS_BETTER = /^(mae|mse|rmse|mape|smape|rmsle|msle|medae|log_?loss|loss|error|err)$|(_error|_err|_loss|_mae|_rmse|_mse)$/i;

/** True when smaller values of `metric` are better (mae, rmse, ..., *_error). */
export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

export interface ClassificationMetrics {
  accuracy: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  labels: number[];
  /** confusion[i][j]: rows of true label i predicted as label j. */
  confusion: number[][];
}

export function classificationMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>, labels?: number[]): ClassificationMetrics {
  if (truth.length !== pred.length) throw new Error(`metrics: ${truth.length} truths vs ${pred.length} predictions`);
  const labs = labels ?? [...new Set([...Array.from(truth), ...Array.from(pred)])].sort((a, b) => a - b);
  const index = new Map(labs.map((l, i) => [l, i]));
  const confusion = labs.map(() => labs.map(() => 0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = index.get(truth[i]), p = index.get(pred[i]);
    if (t === undefined || p === undefined) continue;
    confusion[t][p]++;
    if (truth[i] === pred[i]) correct++;
  }
  // Macro averages over the labels present in the truth (as scikit-learn does with labels=None
  // on the union, classes never predicted nor true are absent).
  const present = labs.map((_, i) => confusion[i].reduce((a, b) => a + b, 0) > 0 || confusion.some((r) => r[i] > 0));
  let p = 0, r = 0, f = 0, n = 0;
  labs.forEach((_, i) => {
    if (!present[i]) return;
    const tp = confusion[i][i];
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const actual = confusion[i].reduce((a, b) => a + b, 0);
    const prec = predicted ? tp / predicted : 0;
    const rec = actual ? tp / actual : 0;
    p += prec; r += rec; f += prec + rec > 0 ? (2 * prec * rec) / (prec + rec) : 0; n++;
  });
  return {
    accuracy: truth.length ? correct / truth.length : NaN,
    precision_macro: n ? p / n : NaN, recall_macro: n ? r / n : NaN, f1_macro: n ? f / n : NaN,
    labels: labs, confusion,
  };
}

export interface RegressionMetrics { mae: number; rmse: number; r2: number }

export function regressionMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>): RegressionMetrics {
  if (truth.length !== pred.length) throw new Error(`metrics: ${truth.length} truths vs ${pred.length} predictions`);
  const n = truth.length;
  let ae = 0, se = 0, mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) { const d = pred[i] - truth[i]; ae += Math.abs(d); se += d * d; ss += (truth[i] - mean) ** 2; }
  return { mae: n ? ae / n : NaN, rmse: n ? Math.sqrt(se / n) : NaN, r2: ss > 0 ? 1 - se / ss : NaN };
}
