import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelBins, FeatureRow } from '../../src/datasets/labelBins';
import { DatasetLabels, LabelRecord, PlayState, writeDatasetCsvsSync } from '../../src/datasets/labels';

// Session a: start_ts 1000.25; startup until 3.5 s; 360p for t 3..29; stalled 30..34; 720p 35..44; 480p 45..59.
function timeline(id: string): LabelRecord[] {
  const out: LabelRecord[] = [];
  for (let t = 0; t < 60; t++) {
    let state: PlayState = 'playing';
    let resolution: number | null = null;
    if (t < 3) state = 'startup';
    else if (t < 30) resolution = 360;
    else if (t < 35) state = 'stalled';
    else if (t < 45) resolution = 720;
    else resolution = 480;
    out.push({ session_id: id, t, state, resolution, buffer_s: 5 });
  }
  return out;
}

const data: DatasetLabels = {
  sessions: [
    { session_id: 'a', capture: 'a.pcap', service: 'Youtube', client_ip: '10.0.0.2', start_ts: 1000.25, startup_delay_s: 3.5, duration_s: 60 },
    // Same capture, another client: a different session.
    { session_id: 'b', capture: '/data/requet/a.pcap', service: 'Netflix', client_ip: '10.0.0.3', start_ts: 1010, startup_delay_s: 1.25, duration_s: 20 },
  ],
  labels: [...timeline('a'), ...Array.from({ length: 20 }, (_, t): LabelRecord => ({ session_id: 'b', t, state: t < 1 ? 'startup' : 'playing', resolution: t < 1 ? null : 1080, buffer_s: 1 }))],
};

function rows(binSize: number, from: number, to: number, extra: Partial<FeatureRow> = {}): FeatureRow[] {
  const out: FeatureRow[] = [];
  for (let b = Math.floor(from / binSize) * binSize; b < to; b += binSize) {
    out.push({ capture: '/captures/a.pcap', local_ip: '10.0.0.2', service: 'Youtube', bin_size: binSize, bin_start: b, kbps_dw: b / 10, ...extra });
  }
  return out;
}

const byStart = (t: FeatureRow[]): Map<number, FeatureRow> => new Map(t.map((r) => [r.bin_start as number, r]));

test('10 s bins: majority playing resolution, t relative to start_ts, startup delay on the first bin', () => {
  const input = rows(10, 990, 1070);
  const { table, dropped, kept } = labelBins(input, data, { binSize: 10 });
  const m = byStart(table);
  // [990, 1000) ends before the session starts: no label.
  assert.equal(m.has(990), false);
  const first = m.get(1000)!;
  assert.equal(first.session_id, 'a');
  assert.equal(first.t, -0.25);
  assert.equal(first.resolution, 360); // seconds 0..9: startup 0..2, 360p 3..9
  assert.equal(first.startup_delay_s, 3.5);
  assert.equal(first.kbps_dw, 100, 'feature columns are kept');
  assert.equal(m.get(1010)!.resolution, 360);
  assert.ok(Number.isNaN(m.get(1010)!.startup_delay_s as number));
  assert.equal(m.get(1030)!.resolution, 720); // 30..34 stalled, 35..39 720p
  assert.equal(m.get(1040)!.resolution, 480); // 720p 40..44 and 480p 45..49: a tie, the most recent wins
  assert.equal(m.get(1050)!.resolution, 480);
  assert.equal(m.has(1060), false); // after the last label
  assert.deepEqual(dropped, { noSession: 0, noLabel: 2, otherService: 0, otherBinSize: 0, invalid: 0 });
  assert.equal(kept, 6);
});

test('2 s bins: bins without a playing second are dropped, except the first one which carries the startup delay', () => {
  const { table, dropped } = labelBins(rows(2, 1000, 1062), data, { binSize: 2 });
  const m = byStart(table);
  const first = m.get(1000)!;
  assert.equal(first.resolution, null); // seconds 0 and 1 are startup
  assert.equal(first.startup_delay_s, 3.5);
  assert.equal(m.get(1002)!.resolution, 360); // seconds 2 (startup) and 3 (360p)
  for (const b of [1030, 1032]) assert.equal(m.has(b), false, `stalled bin ${b}`);
  assert.equal(m.get(1034)!.resolution, 720); // 34 stalled, 35 720p
  assert.equal(m.get(1044)!.resolution, 480); // 44 720p, 45 480p: tie -> most recent
  assert.equal(dropped.noLabel, 2 + 1); // two stalled bins and [1060, 1062)
  // Without the first-bin exception it is dropped too.
  const strict = labelBins(rows(2, 1000, 1062), data, { binSize: 2, keepFirstBin: false });
  assert.equal(byStart(strict.table).has(1000), false);
  assert.equal(strict.dropped.noLabel, 4);
});

test('60 s bins: one bin spans startup, stall and three resolutions', () => {
  const { table } = labelBins(rows(60, 960, 1080), data, { binSize: 60 });
  const m = byStart(table);
  assert.equal(m.get(960)!.resolution, 360); // seconds 0..19
  assert.equal(m.get(960)!.startup_delay_s, 3.5);
  assert.equal(m.get(960)!.t, -40.25);
  assert.equal(m.get(1020)!.resolution, 480); // 360p x10, 720p x10, 480p x15
  assert.ok(Number.isNaN(m.get(1020)!.startup_delay_s as number));
});

test('matching by capture base name and client; other services, bin sizes and malformed rows are counted', () => {
  const input: FeatureRow[] = [
    ...rows(10, 1010, 1020),
    ...rows(10, 1010, 1020, { capture: 'other.pcap' }),
    ...rows(10, 1010, 1020, { local_ip: '10.0.0.9' }),
    ...rows(10, 1010, 1020, { service: 'Netflix' }),
    ...rows(2, 1010, 1012),
    { capture: 'a.pcap', local_ip: '10.0.0.2', service: 'Youtube', bin_size: 10, bin_start: 'soon' },
    // Session b: same capture base name, other client.
    { capture: 'a.pcap', local_ip: '10.0.0.3', service: 'Netflix', bin_size: 10, bin_start: 1010, kbps_dw: 1 },
  ];
  const { table, dropped } = labelBins(input, data, { binSize: 10 });
  assert.deepEqual(dropped, { noSession: 2, noLabel: 0, otherService: 1, otherBinSize: 1, invalid: 1 });
  assert.deepEqual(table.map((r) => [r.session_id, r.resolution]), [['a', 360], ['b', 1080]]);
  assert.equal(table[1].startup_delay_s, 1.25);
  // matchService: false accepts the Netflix-named row for session a.
  assert.equal(labelBins(input, data, { binSize: 10, matchService: false }).dropped.otherService, 0);
  // Without options.binSize each row is labelled with its own bin size.
  const own = labelBins([...rows(10, 1010, 1020), ...rows(2, 1010, 1012)], data);
  assert.deepEqual(own.table.map((r) => r.bin_size), [10, 2]);
});

test('labels can be a dataset folder; a danfojs DataFrame in gives a DataFrame out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tr-lb-'));
  try {
    writeDatasetCsvsSync(dir, data);
    const plain = labelBins(rows(10, 1000, 1060), dir, { binSize: 10 });
    assert.equal(plain.kept, 6);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const dfd = require('danfojs-node') as { DataFrame: new (d: unknown, o?: unknown) => { columns: string[]; values: unknown[][]; shape: number[] }; toJSON: (df: unknown) => unknown };
    const df = new dfd.DataFrame(rows(10, 1000, 1060));
    const res = labelBins(df as never, dir, { binSize: 10 });
    const out = res.table as unknown as { columns: string[]; values: unknown[][]; shape: number[] };
    assert.equal(out.constructor, df.constructor);
    assert.deepEqual(out.columns, [...df.columns, 'session_id', 't', 'resolution', 'startup_delay_s']);
    assert.equal(out.shape[0], 6);
    const json = dfd.toJSON(out) as FeatureRow[];
    assert.deepEqual(json.map((r) => r.resolution), plain.table.map((r) => r.resolution));
    assert.equal(json[0].startup_delay_s, 3.5);
    assert.deepEqual(res.dropped, plain.dropped);
    // Bins starting at the first packet (not on a grid): the earliest one carries the startup delay.
    const shifted = labelBins(rows(10, 1000, 1060).map((r) => ({ ...r, bin_start: (r.bin_start as number) + 0.3 })), dir, { binSize: 10 });
    assert.equal(shifted.table[0].startup_delay_s, 3.5);
    assert.ok(Math.abs((shifted.table[0].t as number) - 0.05) < 1e-9);
    // Nothing matches: an empty DataFrame with the output columns.
    const none = labelBins(new dfd.DataFrame(rows(10, 5000, 5020)) as never, dir, { binSize: 10 }).table as unknown as { columns: string[]; shape: number[] };
    assert.equal(none.shape[0], 0);
    assert.ok(none.columns.includes('resolution'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
