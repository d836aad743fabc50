/**
 * Bad input is refused with a message that names the row and column at fault.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomForestClassifier, RandomForestRegressor, createForest, loadForest } from '../../src/model/forest';

const X = [
  [0, 1, 2],
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 5],
];
const y = [0, 1, 0, 1];

function clf(): RandomForestClassifier {
  return new RandomForestClassifier({ nEstimators: 3, threads: 1 });
}

describe('forest input validation', () => {
  it('NaN or Infinity in X names the row and column', () => {
    const bad = X.map((r) => r.slice());
    bad[2][1] = NaN;
    assert.throws(() => clf().train(bad, y), /row 2, column 1 .*NaN/);
    bad[2][1] = 1;
    bad[3][0] = Infinity;
    assert.throws(() => clf().train(bad, y), /row 3, column 0 .*Infinity/);
    assert.throws(() => new RandomForestRegressor({ threads: 1 }).trainMatrix(new Float64Array([1, 2, -Infinity, 4]), 2, 2, [1, 2]), /row 1, column 0/);
  });

  it('non-numbers in X are refused', () => {
    const bad: unknown[][] = X.map((r) => r.slice());
    bad[1][2] = '3';
    assert.throws(() => clf().train(bad as number[][], y), /row 1, column 2 .*string/);
    bad[1][2] = null;
    assert.throws(() => clf().train(bad as number[][], y), /row 1, column 2 .*null/);
  });

  it('NaN or Infinity in y names the row', () => {
    assert.throws(() => clf().train(X, [0, NaN, 0, 1]), /y\[1\] \(row 1\) is not a finite number/);
    assert.throws(() => new RandomForestRegressor({ threads: 1 }).train(X, [0, 1, Infinity, 1]), /y\[2\] \(row 2\)/);
  });

  it('an empty table is refused', () => {
    assert.throws(() => clf().train([], []), /empty/);
    assert.throws(() => clf().train([[], []], [0, 1]), /no columns/);
    assert.throws(() => clf().trainMatrix(new Float64Array(0), 0, 3, []), /empty/);
  });

  it('ragged rows are refused, naming the row', () => {
    const bad = [[0, 1, 2], [1, 2, 3], [2, 3], [3, 4, 5]];
    assert.throws(() => clf().train(bad, y), /ragged table: row 2 has 2 columns, row 0 has 3/);
    assert.throws(() => clf().trainMatrix(new Float64Array(7), 2, 4, [0, 1]), /7 values but nRows x nCols = 2 x 4 = 8/);
  });

  it('a y of the wrong length is refused', () => {
    assert.throws(() => clf().train(X, [0, 1, 0]), /y has 3 values but X has 4 rows/);
    assert.throws(() => clf().train(X, [0, 1, 0, 1, 1]), /y has 5 values but X has 4 rows/);
  });

  it('prediction checks width, values and that the model is trained', () => {
    assert.throws(() => clf().predict(X), /not trained/);
    const f = clf().train(X, y);
    assert.throws(() => f.predict([[1, 2]]), /2 columns but the model was trained on 3/);
    assert.throws(() => f.predict([[1, NaN, 2]]), /row 0, column 1/);
  });

  it('bad options are refused', () => {
    assert.throws(() => new RandomForestClassifier({ nEstimators: 0 }), /nEstimators/);
    assert.throws(() => new RandomForestClassifier({ maxFeatures: 2.5 }), /maxFeatures/);
    assert.throws(() => new RandomForestClassifier({ maxFeatures: -1 }), /maxFeatures/);
    assert.throws(() => new RandomForestClassifier({ maxFeatures: 'half' as 'sqrt' }), /maxFeatures/);
    assert.throws(() => new RandomForestClassifier({ criterion: 'mse' }), /criterion/);
    assert.throws(() => new RandomForestRegressor({ criterion: 'gini' }), /criterion/);
    assert.throws(() => new RandomForestClassifier({ maxBins: 300 }), /maxBins/);
    assert.throws(() => new RandomForestClassifier({ minSamplesLeaf: 0 }), /minSamplesLeaf/);
    assert.throws(() => new RandomForestClassifier({ oobScore: true, bootstrap: false }), /oobScore needs bootstrap/);
    assert.throws(() => createForest({ task: 'clustering' as 'regression' }), /task must be/);
  });

  it('malformed saved models are refused', () => {
    const f = clf().train(X, y);
    const j = f.toJSON();
    assert.throws(() => RandomForestRegressor.load(j as never), /expected name RefineryRFRegressor/);
    assert.throws(() => RandomForestClassifier.load({ ...j, version: 99 }), /version/);
    const broken = JSON.parse(JSON.stringify(j));
    broken.trees[0].nNodes += 1;
    assert.throws(() => RandomForestClassifier.load(broken), /trees\[0\]/);
    assert.throws(() => loadForest({ name: 'something' }), /unknown forest model/);
  });
});
