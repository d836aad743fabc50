import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupKFold } from '../../src/model/cv';
import { crossValidate, fitForest, permutationImportance } from '../../src/model/evaluate';
import { classificationMetrics, regressionMetrics } from '../../src/model/metrics';
import { paretoIndices, cheapestWithin } from '../../src/model/pareto';
import type { TaskData } from '../../src/model/tasks';

test('grouped k-fold never puts a session in both training and test', () => {
  const groups: string[] = [];
  for (let s = 0; s < 23; s++) for (let b = 0; b < 3 + (s % 5); b++) groups.push(`s${s}`);
  const folds = groupKFold(groups, 5, 9);
  assert.equal(folds.length, 5);
  const seen = new Set<number>();
  for (const f of folds) {
    const train = new Set(f.train.map((i) => groups[i]));
    for (const i of f.test) { assert.ok(!train.has(groups[i]), `session ${groups[i]} leaked`); seen.add(i); }
    assert.equal(f.train.length + f.test.length, groups.length);
  }
  assert.equal(seen.size, groups.length, 'every row is tested exactly once');
});

test('cross-validation cannot memorize sessions: labels equal to session ids are never predicted right', async () => {
  // Each session's label is its own id, and one feature encodes the id exactly. A leaky split
  // would predict test rows perfectly; a grouped split has never seen the test session's label.
  const X: number[] = [], y: number[] = [], groups: string[] = [];
  for (let s = 0; s < 12; s++) for (let b = 0; b < 6; b++) { X.push(s, b); y.push(s); groups.push(`s${s}`); }
  const t: TaskData = { X: Float64Array.from(X), nCols: 2, y: Float64Array.from(y), groups, columns: ['id', 'bin'] };
  const cv = await crossValidate('resolution', t, { trees: 10, folds: 4, threads: 1 });
  assert.equal(cv.metrics.accuracy, 0);
});

test('permutation importance ranks first the feature the label depends on', async () => {
  let seed = 5;
  const rnd = () => { seed = (seed * 48271) % 2147483647; return seed / 2147483647; };
  const n = 600, cols = 6, X = new Float64Array(n * cols), y = new Float64Array(n), groups: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) X[i * cols + j] = rnd();
    y[i] = X[i * cols + 3] > 0.5 ? 720 : 360;
    groups.push(`g${i % 30}`);
  }
  const t: TaskData = { X, nCols: cols, y, groups, columns: ['a', 'b', 'c', 'key', 'd', 'e'] };
  const f = await fitForest('resolution', t, { trees: 20, threads: 1 });
  const imp = permutationImportance('resolution', f, t, { repeats: 2 });
  assert.equal(imp[0].feature, 'key');
  assert.ok(imp[0].importance > 0.3);
  assert.ok(imp.slice(1).every((x) => x.importance < 0.05));
});

test('metrics against hand-computed values', () => {
  const c = classificationMetrics([1, 1, 2, 2, 3], [1, 2, 2, 2, 1]);
  assert.equal(c.accuracy, 3 / 5);
  assert.deepEqual(c.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
  // precision: 1/2, 2/3, 0; recall: 1/2, 1, 0
  assert.ok(Math.abs(c.precision_macro - (0.5 + 2 / 3) / 3) < 1e-12);
  assert.ok(Math.abs(c.recall_macro - 0.5) < 1e-12);
  const r = regressionMetrics([1, 2, 3], [2, 2, 5]);
  assert.equal(r.mae, 1);
  assert.ok(Math.abs(r.rmse - Math.sqrt(5 / 3)) < 1e-12);
});

test('Pareto front and the cheapest choice within a tolerance', () => {
  const cost = [10, 100, 1000, 50, 10];
  const acc = [0.6, 0.8, 0.81, 0.7, 0.5];
  assert.deepEqual(paretoIndices(cost, acc), [0, 1, 2, 3]);
  const rows = cost.map((c, i) => ({ cost: c, accuracy: acc[i], id: i }));
  const pick = cheapestWithin(rows, { metric: 'accuracy', cost: 'cost', tolerance: 0.02 });
  assert.equal(pick!.best.id, 2);
  assert.equal(pick!.choice.id, 1, '0.80 is within 2% of 0.81 and ten times cheaper');
  const err = cheapestWithin([{ mae: 2, cost: 5 }, { mae: 2.1, cost: 1 }, { mae: 3, cost: 0 }], { metric: 'mae', cost: 'cost', tolerance: 0.1 });
  assert.equal(err!.choice.cost, 1);
  // Equally cheap (one representation at several bin sizes): the most accurate of them, wherever it comes.
  const tie = cheapestWithin([{ bin: 2, accuracy: 0.79, cost: 5 }, { bin: 10, accuracy: 0.8, cost: 5 }, { bin: 60, accuracy: 0.81, cost: 9 }], { metric: 'accuracy', cost: 'cost', tolerance: 0.05 });
  assert.equal(tie!.choice.bin, 10);
  const tieMae = cheapestWithin([{ bin: 2, mae: 2.1, cost: 1 }, { bin: 10, mae: 2.0, cost: 1 }, { bin: 30, mae: 2.05, cost: 1 }], { metric: 'mae', cost: 'cost', tolerance: 0.1 });
  assert.equal(tieMae!.choice.bin, 10);
});
