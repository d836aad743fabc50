/**
 * The engine against references on small tables: scikit-learn's scores (computed by
 * scripts/sklearn-reference.py on the committed fixtures) and ml-random-forest run here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { RandomForestClassifier, RandomForestRegressor, createForest } from '../../src/model/forest';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'forest');

interface Reference {
  seeds: number[];
  datasets: Record<string, { task: string; params: { n_estimators: number }; scores: number[]; mean: number; std: number }>;
}

function readCsv(file: string): { X: number[][]; y: number[] } {
  const lines = fs.readFileSync(path.join(FIXTURES, file), 'utf8').trim().split('\n').slice(1);
  const X: number[][] = [];
  const y: number[] = [];
  for (const l of lines) {
    const v = l.split(',').map(Number);
    y.push(v.pop() as number);
    X.push(v);
  }
  return { X, y };
}

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8')) as Reference;

function accuracy(p: number[], y: number[]): number {
  return p.filter((v, i) => v === y[i]).length / y.length;
}

function r2(p: number[], y: number[]): number {
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  let res = 0;
  let tot = 0;
  p.forEach((v, i) => {
    res += (v - y[i]) ** 2;
    tot += (y[i] - m) ** 2;
  });
  return 1 - res / tot;
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

describe('against scikit-learn (same fixtures, same forest size, mean over the same 5 seeds)', () => {
  it('clf-small (3 classes, 400 train / 400 test): mean accuracy within 0.03 of scikit-learn', () => {
    const d = ref.datasets['clf-small'];
    const tr = readCsv('clf-small.train.csv');
    const te = readCsv('clf-small.test.csv');
    const scores = ref.seeds.map((seed) => {
      const f = new RandomForestClassifier({ nEstimators: d.params.n_estimators, maxFeatures: 'sqrt', seed, threads: 1 });
      return accuracy(f.train(tr.X, tr.y).predict(te.X), te.y);
    });
    const m = mean(scores);
    assert.ok(Math.abs(m - d.mean) <= 0.03, `ours ${m.toFixed(4)} (${scores}) vs scikit-learn ${d.mean.toFixed(4)}`);
  });

  it('reg-small (Friedman #1, 400 / 400): mean R^2 within 0.03 of scikit-learn', () => {
    const d = ref.datasets['reg-small'];
    const tr = readCsv('reg-small.train.csv');
    const te = readCsv('reg-small.test.csv');
    const scores = ref.seeds.map((seed) => {
      const f = new RandomForestRegressor({ nEstimators: d.params.n_estimators, maxFeatures: 1, seed, threads: 1 });
      return r2(f.train(tr.X, tr.y).predict(te.X), te.y);
    });
    const m = mean(scores);
    assert.ok(Math.abs(m - d.mean) <= 0.03, `ours ${m.toFixed(4)} (${scores}) vs scikit-learn ${d.mean.toFixed(4)}`);
  });
});

describe('against ml-random-forest 2.1.0 (run here, same options, 25 trees)', () => {
  const tr = readCsv('clf-small.train.csv');
  const te = readCsv('clf-small.test.csv');

  function both(maxFeatures: 'sqrt' | number): { ours: number; ml: number } {
    const o = { task: 'classification' as const, nEstimators: 25, maxFeatures, seed: 3, threads: 1 };
    const a = createForest({ ...o, engine: 'refinery' });
    a.train(tr.X, tr.y);
    const b = createForest({ ...o, engine: 'ml-random-forest' });
    b.train(tr.X, tr.y);
    return { ours: accuracy(a.predict(te.X), te.y), ml: accuracy(b.predict(te.X), te.y) };
  }

  it("maxFeatures 'sqrt': accuracy >= ml-random-forest's (which draws features once per tree)", () => {
    const { ours, ml } = both('sqrt');
    assert.ok(ours >= ml, `ours ${ours} < ml-random-forest ${ml}`);
  });

  it('all features: accuracy >= ml-random-forest minus 0.01 (both are then plain bagged CART)', () => {
    const { ours, ml } = both(1);
    assert.ok(ours >= ml - 0.01, `ours ${ours} < ml-random-forest ${ml} - 0.01`);
  });
});
