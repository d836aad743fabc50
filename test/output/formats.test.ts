import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowsToCsv, parseCsv } from '../../src/output/formats';

test('rows to CSV: the union of the rows\' columns, quoting, NaN and missing as empty', () => {
  const text = rowsToCsv([{ task: 'resolution', accuracy: 0.5, note: 'a,"b"' }, { task: 'startup', mae: 2.25, accuracy: NaN }]);
  const back = parseCsv(text);
  assert.deepEqual(Object.keys(back[0]), ['task', 'accuracy', 'note', 'mae']);
  assert.deepEqual(back[0], { task: 'resolution', accuracy: '0.5', note: 'a,"b"', mae: '' });
  assert.deepEqual(back[1], { task: 'startup', accuracy: '', note: '', mae: '2.25' });
});
