import test from 'node:test';
import assert from 'node:assert/strict';
import { paretoFront, paretoMask } from '../../src/plot/pareto';

interface P { name: string; cost: number; acc: number }
const p = (name: string, cost: number, acc: number): P => ({ name, cost, acc });

test('pareto front: min cost, max accuracy; dominated points excluded, sorted by cost', () => {
  const pts = [p('a', 10, 0.5), p('b', 100, 0.7), p('c', 50, 0.6), p('d', 60, 0.55), p('e', 1000, 0.69), p('f', 5, 0.3)];
  const front = paretoFront(pts, { minimize: ['cost'], maximize: ['acc'] });
  assert.deepEqual(front.map((x) => x.name), ['f', 'a', 'c', 'b']);
  assert.deepEqual(paretoMask(pts, { minimize: ['cost'], maximize: ['acc'] }), [true, true, true, false, false, true]);
});

test('pareto front: ties are kept, a point equal in cost but worse is dropped', () => {
  const pts = [p('a', 10, 0.5), p('a2', 10, 0.5), p('b', 10, 0.4), p('c', 20, 0.5), p('d', 20, 0.9)];
  const front = paretoFront(pts, { minimize: ['cost'], maximize: ['acc'] });
  // a and a2 are identical: neither dominates the other. b (same cost, lower acc) and
  // c (same acc, higher cost) are dominated by a.
  assert.deepEqual(front.map((x) => x.name), ['a', 'a2', 'd']);
});

test('pareto front: error metrics are minimized, NaN points are never on the front', () => {
  const pts = [p('a', 10, 3.0), p('b', 20, 2.0), p('c', 30, 2.5), p('d', 40, 1.0), p('n', 1, NaN)];
  const front = paretoFront(pts, { minimize: ['cost', 'acc'] });
  assert.deepEqual(front.map((x) => x.name), ['a', 'b', 'd']);
});

test('pareto front: accessors, single objective and empty input', () => {
  const pts = [p('a', 3, 0), p('b', 1, 0), p('c', 1, 0)];
  assert.deepEqual(paretoFront(pts, { minimize: [(q) => q.cost] }).map((x) => x.name), ['b', 'c']);
  assert.deepEqual(paretoFront([], { minimize: ['cost'] }), []);
  assert.throws(() => paretoFront(pts, {}), /at least one objective/);
});
