import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateDataset } from '../../src/datasets/generator';
import { sweep, recommend } from '../../src/model/sweep';
import { trainModel, QoeModel } from '../../src/model/model';
import { normalizeConfig } from '../../src/config/config';
import { extractDataset } from '../../src/model/dataset';
import { labelBins } from '../../src/datasets/labelBins';

let dir = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'refinery-sweep-'));
  await generateDataset({ sessions: 8, seed: 11, out: dir, minDurationS: 40, maxDurationS: 60 });
});
process.on('exit', () => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test('the sweep has a row for every representation x bin x metric, with costs joined', async () => {
  const reps = ['network', 'application', 'network+application'];
  const bins = [10, 30];
  const r = await sweep({ dataset: dir, representations: reps, bins, trees: 8, folds: 2, threads: 1, profileCaptures: 1, workers: 1 });
  for (const rep of reps) for (const bin of bins) {
    for (const metric of ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro']) {
      const rows = r.rows.filter((x) => x.representation === rep && x.bin === bin && x.task === 'resolution' && x.metric === metric);
      assert.equal(rows.length, 1, `${rep} ${bin} ${metric}`);
      const v = Number(rows[0].value);
      assert.ok(v >= 0 && v <= 1);
    }
    for (const metric of ['mae', 'rmse']) {
      const rows = r.rows.filter((x) => x.representation === rep && x.bin === bin && x.task === 'startup' && x.metric === metric);
      assert.equal(rows.length, 1, `${rep} ${bin} ${metric}`);
      assert.ok(Number(rows[0].value) >= 0);
    }
  }
  const net = r.wide.find((w) => w.representation === 'network' && w.bin === 10 && w.task === 'resolution')!;
  const both = r.wide.find((w) => w.representation === 'network+application' && w.bin === 10 && w.task === 'resolution')!;
  assert.ok(Number(net.state_bytes_median) > 0, 'profiled state joined');
  assert.ok(Number(both.features) > Number(net.features));
  assert.ok(Number(net.storage_bytes_per_hour_parquet) < Number(net.storage_bytes_per_hour_jsonl));
  const ten = r.wide.find((w) => w.representation === 'network' && w.bin === 10 && w.task === 'resolution')!;
  const thirty = r.wide.find((w) => w.representation === 'network' && w.bin === 30 && w.task === 'resolution')!;
  assert.ok(Number(ten.storage_bytes_per_hour_csv) > Number(thirty.storage_bytes_per_hour_csv), 'smaller bins store more rows');
  assert.ok(recommend(r) !== null);
  const df = r.toDataFrame();
  assert.equal(df.shape[0], r.rows.length);
});

test('costs join per representation and bin size (a cost row without bin_size serves every bin)', async () => {
  const costs = [
    { feature_class: 'network', bin_size: 10, state_bytes_median: 111, ns_per_packet_mean: 20, ns_per_packet_median: 15 },
    { feature_class: 'network', bin_size: 30, state_bytes_median: 333, ns_per_packet_mean: 21, ns_per_packet_median: 16 },
    // Work on a minority of packets: a median below the network's, a mean far above it.
    { feature_class: 'application', state_bytes_median: 5, ns_per_packet_mean: 90, ns_per_packet_median: 2 },
  ];
  const r = await sweep({ dataset: dir, representations: ['network', 'application'], bins: [10, 30], tasks: ['resolution'], trees: 4, folds: 2, threads: 1, costs, workers: 1 });
  const cell = (rep: string, bin: number) => r.wide.find((w) => w.representation === rep && w.bin === bin)!;
  const state = (rep: string, bin: number) => Number(cell(rep, bin).state_bytes_median);
  assert.deepEqual([state('network', 10), state('network', 30), state('application', 10), state('application', 30)], [111, 333, 5, 5]);
  assert.deepEqual([cell('network', 10).ns_per_packet_mean, cell('network', 10).ns_per_packet_median, cell('application', 30).ns_per_packet_mean], [20, 15, 90]);
  // Both costs are Pareto-flagged; the cheapest in processing is the cheapest by the mean.
  assert.equal(cell('network', 10).pareto_ns_per_packet_mean, 1);
  // (Both application bins cost 2 by the median: only the more accurate of the two is on that front.)
  assert.equal(Number(cell('application', 10).pareto_ns_per_packet_median) + Number(cell('application', 30).pareto_ns_per_packet_median), 1);
  const byCpu = recommend(r, { task: 'resolution', cost: 'ns_per_packet_mean', tolerance: 1 })!;
  assert.equal(byCpu.choice.representation, 'network');
  assert.equal(byCpu.choice.bin, 10);
});

test('a trained model saves, loads, predicts like the original and refuses a config without its classes', async () => {
  const m = await trainModel({ dataset: dir, representation: 'network+application', bin: 10, trees: 8, threads: 1, workers: 1 });
  const path = join(dir, 'model.json');
  m.save(path);
  const back = QoeModel.load(path);
  const f = await extractDataset({ dataset: dir, classes: m.saved.classes, bins: [10], workers: 1 });
  const rows = labelBins(f.rows, f.labels, { binSize: 10 }).table;
  const a = m.predictResolution(rows), b = back.predictResolution(rows);
  assert.deepEqual(b.resolution, a.resolution);
  assert.deepEqual(b.probabilities, a.probabilities);
  assert.ok(a.resolution.every((x) => [144, 240, 360, 480, 720, 1080, 1440, 2160].includes(x)));
  const delay = back.predictStartup([rows[0]]);
  assert.ok(Number.isFinite(delay) && delay >= 0);
  const bad = normalizeConfig({ Services: [{ Name: 'Youtube', Filter: { DomainsString: ['googlevideo.com'] }, Collect: ['network'] }] });
  assert.throws(() => back.checkConfig(bad, [10]), /does not collect VideoSegments/);
  assert.throws(() => back.checkConfig(normalizeConfig({ Services: [{ Name: 'x', Collect: ['all'] }] }), [2]), /lack the model's 10 s/);
});
