import test from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyVsCost, binSweep, confusionHeatmap, featureImportanceBars, stateOverTime, throughputTimeline,
  rowsOf, lowerIsBetter, figureSummary, show, inNotebook,
} from '../../src/plot/index';
import { sweepRows } from './fixtures';

test('accuracyVsCost: one trace per bin plus the Pareto front, log x axis, labels name representation and bin', () => {
  const fig = accuracyVsCost(sweepRows(), { cost: 'state_bytes', metric: 'accuracy' });
  assert.equal(fig.data.length, 4);
  assert.deepEqual(fig.data.map((t) => t.name), ['2 s bins', '10 s bins', '30 s bins', 'Pareto front']);
  assert.equal(fig.layout.xaxis?.type, 'log');
  for (const t of fig.data.slice(0, 3)) {
    assert.equal(t.x!.length, 3);
    assert.deepEqual(t.text, ['network', 'network+app', 'all']);
    assert.match(String(t.hovertemplate), /customdata\[0\]/);
    assert.deepEqual((t.customdata as unknown[][]).map((c) => c[0]), ['network', 'network+app', 'all']);
  }
  const front = fig.data[3];
  assert.equal(front.mode, 'lines+markers');
  // x increasing along the front, y increasing too (more cost buys accuracy)
  const xs = front.x as number[], ys = front.y as number[];
  for (let i = 1; i < xs.length; i++) { assert.ok(xs[i] > xs[i - 1]); assert.ok(ys[i] > ys[i - 1]); }
  assert.deepEqual(front.text, ['network, 2 s', 'network, 10 s', 'network+app, 2 s', 'network+app, 10 s', 'all, 10 s']); // all@2 s ties network+app@10 s at 0.72 but costs more
  assert.match(JSON.stringify(fig.layout.xaxis), /State \(bytes\), median/);
});

test('accuracyVsCost: per representation, error metrics minimized, linear axis, costs resolved by suffix', () => {
  const fig = accuracyVsCost(sweepRows(), { cost: 'ns_per_packet', metric: 'mae', traceBy: 'representation', logX: false });
  assert.deepEqual(fig.data.map((t) => t.name), ['network', 'network+app', 'all', 'Pareto front']);
  assert.equal(fig.layout.xaxis?.type, 'linear');
  assert.deepEqual(fig.data[0].text, ['2 s', '10 s', '30 s']);
  const front = fig.data[3];
  const ys = front.y as number[];
  for (let i = 1; i < ys.length; i++) assert.ok(ys[i] < ys[i - 1], 'mae decreases along the front');
  assert.ok(lowerIsBetter('mae') && lowerIsBetter('rmse') && !lowerIsBetter('accuracy') && !lowerIsBetter('f1_macro'));
  const storage = accuracyVsCost(sweepRows(), { cost: 'storage_bytes_per_hour', metric: 'f1_macro' });
  assert.match(JSON.stringify(storage.layout.xaxis), /Storage \(bytes per hour\), parquet/);
});

test('accuracyVsCost: processing is plotted as the mean ns per packet when rows carry mean and median', () => {
  // TCP tracking on mostly-QUIC traffic: most calls are cheap, a few are not; the mean is what a packet rate costs.
  const rows = sweepRows().map((r) => ({ ...r, ns_per_packet_mean: (r.ns_per_packet_median as number) * 3 }));
  const fig = accuracyVsCost(rows, { cost: 'ns_per_packet', metric: 'accuracy' });
  assert.deepEqual(fig.data[0].x, [120, 270, 2700]);
  assert.match(JSON.stringify(fig.layout.xaxis), /Processing \(ns per packet\), mean/);
  const median = accuracyVsCost(rows, { cost: 'ns_per_packet', costColumn: 'ns_per_packet_median', metric: 'accuracy' });
  assert.deepEqual(median.data[0].x, [40, 90, 900]);
});

test('accuracyVsCost: averages repeated rows, refuses ambiguous tasks and unknown metrics', () => {
  const rows = sweepRows().filter((r) => r.metric === 'accuracy');
  const doubled = [...rows, ...rows.map((r) => ({ ...r, value: (r.value as number) + 0.1 }))];
  const fig = accuracyVsCost(doubled, { cost: 'state_bytes', metric: 'accuracy' });
  assert.equal(fig.data[0].x!.length, 3);
  assert.ok(Math.abs((fig.data[0].y as number[])[0] - ((rows[0].value as number) + 0.05)) < 1e-12);
  const twoTasks = sweepRows().map((r) => (r.metric === 'mae' ? { ...r, metric: 'accuracy' } : r));
  assert.throws(() => accuracyVsCost(twoTasks, { cost: 'state_bytes', metric: 'accuracy' }), /several tasks/);
  assert.equal(accuracyVsCost(twoTasks, { cost: 'state_bytes', metric: 'accuracy', task: 'startup' }).data.length, 4);
  assert.throws(() => accuracyVsCost(sweepRows(), { cost: 'state_bytes', metric: 'nope' }), /no rows with metric "nope"/);
  assert.throws(() => accuracyVsCost(sweepRows(), { cost: 'memory', metric: 'accuracy' }), /no column for "memory"/);
});

test('rowsOf accepts arrays, DataFrame-like objects and FeatureTable-like objects', () => {
  const rows = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }];
  assert.equal(rowsOf(rows), rows);
  assert.deepEqual(rowsOf({ columns: ['a', 'b'], values: [[1, 'x'], [2, 'y']] }), rows);
  assert.deepEqual(rowsOf({ toRows: () => rows }), rows);
  assert.throws(() => rowsOf(42 as never), /rowsOf/);
});

test('rowsOf reads a real danfojs DataFrame', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const dfd = require('danfojs-node') as typeof import('danfojs-node');
  const df = new dfd.DataFrame({ representation: ['n', 'n'], bin: [2, 10], metric: ['accuracy', 'accuracy'], value: [0.5, 0.6] });
  const fig = binSweep(df, { metric: 'accuracy' });
  assert.deepEqual(fig.data[0].x, [2, 10]);
  assert.deepEqual(fig.data[0].y, [0.5, 0.6]);
});

test('binSweep: one line per representation over sorted bins, error bars for repeats', () => {
  const fig = binSweep(sweepRows(), { metric: 'accuracy' });
  assert.deepEqual(fig.data.map((t) => t.name), ['network', 'network+app', 'all']);
  assert.deepEqual(fig.data[0].x, [2, 10, 30]);
  assert.deepEqual(fig.layout.xaxis?.tickvals, [2, 10, 30]);
  assert.equal(fig.data[0].error_y, undefined);
  const rows = sweepRows().filter((r) => r.metric === 'accuracy');
  const rep = binSweep([...rows, ...rows.map((r) => ({ ...r, value: (r.value as number) + 0.02 }))], { metric: 'accuracy' });
  assert.ok((rep.data[0].error_y as { array: number[] }).array.every((s) => s > 0));
});

test('confusionHeatmap: n x n z and text, row-normalized shares, true class top to bottom', () => {
  const fig = confusionHeatmap({ labels: ['144p', '480p', '720p'], matrix: [[8, 2, 0], [1, 6, 3], [0, 0, 0]], title: 'resolution' });
  const t = fig.data[0];
  assert.equal(t.type, 'heatmap');
  assert.deepEqual(t.x, ['144p', '480p', '720p']);
  assert.deepEqual(t.y, ['144p', '480p', '720p']);
  const z = t.z as number[][];
  assert.equal(z.length, 3);
  assert.ok(z.every((r) => r.length === 3));
  assert.deepEqual(z[0], [0.8, 0.2, 0]);
  assert.deepEqual(z[2], [0, 0, 0]);
  const text = t.text as string[][];
  assert.equal(text[1][2], '3<br>30.0%');
  assert.equal(fig.layout.yaxis?.autorange, 'reversed');
  assert.throws(() => confusionHeatmap({ labels: ['a', 'b'], matrix: [[1, 2]] }), /2x2/);
  const counts = confusionHeatmap({ labels: ['a', 'b'], matrix: [[1, 2], [3, 4]], colorBy: 'count' });
  assert.deepEqual(counts.data[0].z, [[1, 2], [3, 4]]);
  assert.match(JSON.stringify(counts.layout.title), /accuracy 50\.0%, 10 rows/);
});

test('featureImportanceBars: sorted, top n, horizontal, std as error bars', () => {
  const items = [
    { feature: 'KbpsDw', importance: 0.1, std: 0.01 },
    { feature: 'SizeMean', importance: 0.4, std: 0.05 },
    { feature: 'PpsUp', importance: 0.05 },
    { feature: 'ReqIatMean', importance: 0.3 },
  ];
  const fig = featureImportanceBars(items, { top: 3 });
  const t = fig.data[0];
  assert.equal(t.orientation, 'h');
  assert.deepEqual(t.y, ['SizeMean', 'ReqIatMean', 'KbpsDw']);
  assert.deepEqual(t.x, [0.4, 0.3, 0.1]);
  assert.deepEqual((t.error_x as { array: number[] }).array, [0.05, 0, 0.01]);
  assert.equal(fig.layout.yaxis?.autorange, 'reversed');
  assert.equal(featureImportanceBars(items.slice(2)).data[0].error_x, undefined);
});

test('stateOverTime: one line per class, sorted in time, log y', () => {
  const rows = [
    { class: 'TCPCounters', t: 2, bytes: 5e6 }, { class: 'TCPCounters', t: 1, bytes: 1e6 },
    { class: 'PacketCounters', t: 1, bytes: 3e3 }, { class: 'PacketCounters', t: 2, bytes: 4e3 },
    { class: 'PacketCounters', t: 3, bytes: 0 },
  ];
  const fig = stateOverTime(rows);
  assert.deepEqual(fig.data.map((t) => t.name), ['TCPCounters', 'PacketCounters']);
  assert.deepEqual(fig.data[0].x, [1, 2]);
  assert.deepEqual(fig.data[1].y, [3e3, 4e3], 'zero cannot sit on a log axis');
  assert.equal(fig.layout.yaxis?.type, 'log');
});

test('throughputTimeline: resolves PacketCounters.KbpsDw, time relative to the first bin', () => {
  const rows = [20, 0, 10].map((dt, i) => ({ bin_start: 1000 + dt, 'PacketCounters.KbpsDw': [3, 1, 2][i], 'PacketCounters.KbpsUp': 0.5 }));
  const fig = throughputTimeline(rows, { y: ['KbpsDw', 'KbpsUp'] });
  assert.deepEqual(fig.data.map((t) => t.name), ['KbpsDw', 'KbpsUp']);
  assert.deepEqual(fig.data[0].x, [0, 10, 20]);
  assert.deepEqual(fig.data[0].y, [1, 2, 3]);
});

test('show() outside a notebook prints a text summary', (t) => {
  assert.equal(inNotebook(), false);
  const logs: string[] = [];
  t.mock.method(console, 'log', (s: string) => { logs.push(s); });
  show(confusionHeatmap({ labels: ['a', 'b'], matrix: [[1, 0], [0, 1]], title: 'cm' }));
  assert.equal(logs.length, 1);
  const s = logs[0];
  assert.equal(s, figureSummary(confusionHeatmap({ labels: ['a', 'b'], matrix: [[1, 0], [0, 1]], title: 'cm' })));
  assert.match(s, /Figure: cm/);
  assert.match(s, /heatmap: 2x2 cells/);
});
