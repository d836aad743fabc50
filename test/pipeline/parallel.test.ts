import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { extractTable } from '../../src/pipeline/extract';
import { FeatureTable } from '../../src/output/table';
import { sharedData, SHARED_MISSING, assertSameTable } from '../helpers';


const ALL = { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['all'] }] };

test('parallel flows (2 workers sharded by flow hash) give the same rows as one thread', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
  for (const level of ['flow', 'session'] as const) {
    const one = await extractTable({ captures: capture, config: ALL, bins: [2, 10], level, workers: 1 });
    const two = await extractTable({ captures: capture, config: ALL, bins: [2, 10], level, workers: 2, shardMinBytes: 0 });
    assert.ok(one.table.length > 100);
    assert.equal(two.stats.records, one.stats.records);
    assert.equal(two.stats.packets, one.stats.packets);
    assert.equal(two.stats.flows, one.stats.flows);
    assertSameTable(one.table, two.table);
  }
});

test('parallel captures (one worker per file) give the same rows as one thread, in file order', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const files = ['baseline_Mar22_exp_46.pcap', 'movement_Apr20_exp_135.pcap'].map((f) => join(data, 'requet', f));
  files.push(join(data, 'traffic-refinery', 'short_clean_dump.pcap'));
  const one = await extractTable({ captures: files, config: ALL, bins: [10], level: 'session', workers: 1 });
  const two = await extractTable({ captures: files, config: ALL, bins: [10], level: 'session', workers: 2 });
  const caps = two.table.column('capture') as string[];
  assert.deepEqual([...new Set(caps)], files.map((f) => f.split('/').pop()), 'rows grouped in the order of the files');
  assert.equal(two.stats.records, one.stats.records);
  assertSameTable(one.table, two.table);
});
