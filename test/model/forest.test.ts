/**
 * Behaviour of the random forest engine on tables whose truth is known by construction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RandomForestClassifier,
  RandomForestRegressor,
  Rng,
  createForest,
  loadForest,
  resolveMaxFeatures,
} from '../../src/model/forest';

interface Table {
  X: number[][];
  y: number[];
}

/** Uniform [0, 1) features; the label is a function of some of them. */
function uniformTable(n: number, nCols: number, seed: number, label: (x: number[], rng: Rng) => number): Table {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x: number[] = [];
    for (let j = 0; j < nCols; j++) x.push(rng.nextFloat());
    X.push(x);
    y.push(label(x, rng));
  }
  return { X, y };
}

/** y = (x3 > 0.5) xor (x7 > 0.2), 12 features of which 10 are noise. */
const xor = (x: number[]): number => ((x[3] > 0.5) !== (x[7] > 0.2) ? 1 : 0);

function accuracy(p: number[], y: number[]): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) ok++;
  return ok / y.length;
}

function argsortDesc(a: number[]): number[] {
  return a.map((_, i) => i).sort((i, j) => a[j] - a[i]);
}

describe('RandomForestClassifier on a known function', () => {
  const train = uniformTable(2000, 12, 1, xor);
  const test = uniformTable(1000, 12, 2, xor);

  it('learns y = (x3 > 0.5) xor (x7 > 0.2) from 12 features (accuracy >= 0.97) and ranks x3, x7 first', () => {
    const f = new RandomForestClassifier({ nEstimators: 100, oobScore: true, threads: 1, seed: 5 });
    f.train(train.X, train.y);
    const acc = accuracy(f.predict(test.X), test.y);
    assert.ok(acc >= 0.97, `held-out accuracy ${acc} < 0.97`);
    assert.ok(f.oobScore !== null && f.oobScore >= 0.97, `OOB accuracy ${f.oobScore} < 0.97`);
    const imp = f.featureImportances;
    assert.equal(imp.length, 12);
    assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'importances sum to 1');
    const order = argsortDesc(imp);
    assert.deepEqual(order.slice(0, 2).sort((a, b) => a - b), [3, 7], `top features ${order.slice(0, 2)}`);
    for (const j of order.slice(2)) assert.ok(imp[j] < 0.05, `noise feature ${j} has importance ${imp[j]}`);
  });

  it('predictProbabilities: one row per input, classes sorted, rows sum to 1, argmax = predict', () => {
    const f = new RandomForestClassifier({ nEstimators: 20, threads: 1 });
    // labels 10 and -3 (unsorted, non-contiguous) to check the class order
    f.train(train.X, train.y.map((v) => (v === 1 ? 10 : -3)));
    assert.deepEqual(f.classes, [-3, 10]);
    const p = f.predictProbabilities(test.X.slice(0, 50));
    const pred = f.predict(test.X.slice(0, 50));
    assert.equal(p.length, 50);
    p.forEach((row, i) => {
      assert.equal(row.length, 2);
      assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-6);
      assert.equal(pred[i], row[1] > row[0] ? 10 : -3);
    });
    const p10 = f.predictProbability(test.X.slice(0, 50), 10);
    p10.forEach((v, i) => assert.equal(v, p[i][1]));
  });

  it('shuffled labels give chance accuracy (0.42..0.58 on 1000 rows) and no favoured feature', () => {
    const rng = new Rng(99);
    const noisy = { X: train.X, y: train.y.map(() => (rng.nextFloat() < 0.5 ? 1 : 0)) };
    const f = new RandomForestClassifier({ nEstimators: 100, oobScore: true, threads: 1 });
    f.train(noisy.X, noisy.y);
    const fresh = test.y.map(() => (rng.nextFloat() < 0.5 ? 1 : 0));
    const acc = accuracy(f.predict(test.X), fresh);
    assert.ok(acc > 0.42 && acc < 0.58, `accuracy ${acc} is not near chance`);
    assert.ok(f.oobScore !== null && f.oobScore > 0.42 && f.oobScore < 0.58, `OOB ${f.oobScore}`);
    for (const v of f.featureImportances) assert.ok(v < 0.15, `importance ${v} stands out on noise`);
  });
});

describe('RandomForestRegressor on a known function', () => {
  const fn = (x: number[]): number => Math.sin(6 * x[0]) + 2 * x[1] * x[1];
  const train = uniformTable(3000, 8, 3, (x, rng) => fn(x) + 0.05 * rng.nextNormal());
  const test = uniformTable(1000, 8, 4, fn);

  it('fits y = sin(6 x0) + 2 x1^2 (+ N(0, 0.05^2) noise) with RMSE < 0.08 and R^2 > 0.98', () => {
    const f = new RandomForestRegressor({ nEstimators: 60, oobScore: true, threads: 1 });
    f.train(train.X, train.y);
    const p = f.predict(test.X);
    let se = 0;
    let mean = 0;
    for (const v of test.y) mean += v / test.y.length;
    let tot = 0;
    p.forEach((v, i) => {
      se += (v - test.y[i]) ** 2;
      tot += (test.y[i] - mean) ** 2;
    });
    const rmse = Math.sqrt(se / p.length);
    assert.ok(rmse < 0.08, `RMSE ${rmse}`);
    assert.ok(1 - se / tot > 0.98, `R2 ${1 - se / tot}`);
    assert.ok(f.oobScore !== null && f.oobScore > 0.97, `OOB R2 ${f.oobScore}`);
    const order = argsortDesc(f.featureImportances);
    assert.deepEqual(order.slice(0, 2).sort(), [0, 1]);
  });

  it('predicts the mean of the trees; a constant target predicts that constant', () => {
    const f = new RandomForestRegressor({ nEstimators: 5, threads: 1 });
    f.train(train.X.slice(0, 100), new Array(100).fill(4.25));
    for (const v of f.predict(test.X.slice(0, 10))) assert.equal(v, 4.25);
    for (const t of f.trees) assert.equal(t.nNodes, 1);
  });
});

describe('forest models: persistence, determinism, options', () => {
  const train = uniformTable(600, 12, 7, xor);
  const test = uniformTable(300, 12, 8, xor);

  it('toJSON / load round trip gives identical predictions (classifier and regressor)', () => {
    const c = new RandomForestClassifier({ nEstimators: 15, threads: 1, oobScore: true });
    c.train(train.X, train.y);
    const c2 = RandomForestClassifier.load(JSON.parse(JSON.stringify(c.toJSON())));
    assert.deepEqual(c2.predictProbabilities(test.X), c.predictProbabilities(test.X));
    assert.deepEqual(c2.predict(test.X), c.predict(test.X));
    assert.deepEqual(c2.featureImportances, c.featureImportances);
    assert.equal(c2.oobScore, c.oobScore);
    assert.equal(JSON.stringify(c2.toJSON()), JSON.stringify(c.toJSON()));

    const yr = train.X.map((x) => x[0] * 3 + x[5]);
    const r = new RandomForestRegressor({ nEstimators: 10, threads: 1 });
    r.train(train.X, yr);
    const r2 = RandomForestRegressor.load(JSON.stringify(r.toJSON()));
    assert.deepEqual(r2.predict(test.X), r.predict(test.X));

    const g = loadForest(JSON.parse(JSON.stringify(c.toJSON())));
    assert.equal(g.engine, 'refinery');
    assert.deepEqual(g.predict(test.X), c.predict(test.X));
  });

  it('the same seed gives the same forest on 1 and 2 threads; another seed does not', async () => {
    const opts = { nEstimators: 12, seed: 123, oobScore: true };
    const one = new RandomForestClassifier({ ...opts, threads: 1 });
    one.train(train.X, train.y);
    const two = new RandomForestClassifier({ ...opts, threads: 2 });
    await two.trainAsync(train.X, train.y);
    assert.equal(JSON.stringify(two.toJSON()), JSON.stringify(one.toJSON()));
    const oneAsync = new RandomForestClassifier({ ...opts, threads: 1 });
    await oneAsync.trainAsync(train.X, train.y);
    assert.equal(JSON.stringify(oneAsync.toJSON()), JSON.stringify(one.toJSON()));

    const yr = train.X.map((x) => x[2] - x[9]);
    const r1 = new RandomForestRegressor({ nEstimators: 6, seed: 9, threads: 1 }).train(train.X, yr);
    const r2 = await new RandomForestRegressor({ nEstimators: 6, seed: 9, threads: 2 }).trainAsync(train.X, yr);
    assert.equal(JSON.stringify(r2.toJSON()), JSON.stringify(r1.toJSON()));

    // pooled workers: concurrent fits queue up and each still gets its own forest
    const [c1, c2] = await Promise.all([
      new RandomForestClassifier({ ...opts, threads: 2 }).trainAsync(train.X, train.y),
      new RandomForestRegressor({ nEstimators: 6, seed: 9, threads: 2 }).trainAsync(train.X, yr),
    ]);
    assert.equal(JSON.stringify(c1.toJSON()), JSON.stringify(one.toJSON()));
    assert.equal(JSON.stringify(c2.toJSON()), JSON.stringify(r1.toJSON()));

    const other = new RandomForestClassifier({ ...opts, seed: 124, threads: 1 });
    other.train(train.X, train.y);
    assert.notEqual(JSON.stringify(other.toJSON()), JSON.stringify(one.toJSON()));
  });

  it('trainMatrix on a Float64Array gives the same forest as train on rows', () => {
    const data = new Float64Array(train.X.flat());
    const a = new RandomForestClassifier({ nEstimators: 8, threads: 1 }).train(train.X, train.y);
    const b = new RandomForestClassifier({ nEstimators: 8, threads: 1 }).trainMatrix(data, train.X.length, 12, new Float64Array(train.y));
    assert.equal(JSON.stringify(b.toJSON()), JSON.stringify(a.toJSON()));
    const tdata = new Float64Array(test.X.flat());
    assert.deepEqual(Array.from(b.predictMatrix(tdata, test.X.length, 12)), a.predict(test.X));
  });

  it('a single class: every tree is one leaf and every prediction is that class', () => {
    const f = new RandomForestClassifier({ nEstimators: 5, threads: 1, oobScore: true });
    f.train(train.X, new Array(train.X.length).fill(7));
    assert.deepEqual(f.classes, [7]);
    assert.deepEqual(f.predict(test.X), new Array(test.X.length).fill(7));
    assert.deepEqual(f.predictProbabilities(test.X.slice(0, 2)), [[1], [1]]);
    assert.equal(f.oobScore, 1);
    assert.deepEqual(f.featureImportances, new Array(12).fill(0));
  });

  it('a constant column is never split on and has zero importance', () => {
    const X = train.X.map((x) => [5, ...x]); // column 0 constant; the label depends on columns 4 and 8
    const f = new RandomForestClassifier({ nEstimators: 30, maxFeatures: 'all', threads: 1 });
    f.train(X, train.y);
    for (const t of f.trees) for (const feat of t.feature) assert.notEqual(feat, 0);
    assert.equal(f.featureImportances[0], 0);
  });

  it('maxDepth bounds every tree; minSamplesLeaf keeps small leaves out', () => {
    const f = new RandomForestClassifier({ nEstimators: 5, maxDepth: 1, threads: 1 });
    f.train(train.X, train.y);
    for (const t of f.trees) assert.ok(t.nNodes <= 3);
    const big = new RandomForestClassifier({ nEstimators: 5, minSamplesLeaf: 200, bootstrap: false, threads: 1 });
    big.train(train.X, train.y);
    // 600 rows, leaves of >= 200 rows: at most 3 leaves (5 nodes) per tree
    for (const t of big.trees) assert.ok(t.nNodes <= 5, `tree with ${t.nNodes} nodes`);
  });

  it('maxFeatures follows scikit-learn: sqrt, log2, fractions, counts, all', () => {
    assert.equal(resolveMaxFeatures('sqrt', 40), 6);
    assert.equal(resolveMaxFeatures('log2', 40), 5);
    assert.equal(resolveMaxFeatures('all', 40), 40);
    assert.equal(resolveMaxFeatures(1, 40), 40);
    assert.equal(resolveMaxFeatures(0.5, 40), 20);
    assert.equal(resolveMaxFeatures(0.001, 40), 1);
    assert.equal(resolveMaxFeatures(7, 40), 7);
    assert.equal(resolveMaxFeatures(70, 40), 40);
  });

  it('entropy criterion and no bootstrap also learn the xor table', () => {
    const f = new RandomForestClassifier({ nEstimators: 30, criterion: 'entropy', bootstrap: false, threads: 1 });
    f.train(train.X, train.y);
    assert.ok(accuracy(f.predict(test.X), test.y) >= 0.95);
  });

  it('createForest selects the engine behind one interface', () => {
    const ours = createForest({ task: 'classification', nEstimators: 10, threads: 1 });
    assert.equal(ours.engine, 'refinery');
    ours.train(train.X, train.y);
    assert.equal(ours.predict(test.X).length, test.X.length);
    const reg = createForest({ task: 'regression', nEstimators: 5, threads: 1 });
    reg.train(train.X, train.X.map((x) => x[0]));
    assert.equal(reg.predict(test.X).length, test.X.length);
    assert.throws(() => createForest({ task: 'classification', engine: 'nope' as 'refinery' }), /unknown forest engine/);
  });
});
