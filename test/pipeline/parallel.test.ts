import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extractTable } from '../../src/pipeline/extract';
import { readCaptureSync } from '../../src/capture/reader';
import { readFileSync } from 'node:fs';
import { FileSink, readTable } from '../../src/output/formats';
import { unregisterFeature } from '../../src/features/registry';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { sharedData, SHARED_MISSING, assertSameTable } from '../helpers';

/** Runs `fn` in a fresh temporary folder, removed afterwards (and `after`, e.g. unregistering a class). */
async function inTmp(prefix: string, fn: (dir: string) => Promise<void>, after?: () => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    after?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ALL = { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['all'] }] };

/**
 * A hard case for sharding: the same session three times, the second copy 30 s later and
 * interleaved with the first (flows of both overlap, some 5-tuples collide), the third
 * 1000 s later (every flow and session has been idle past EvictTime and ends). Records
 * are written in capture-time order.
 */
function interleavedCapture(src: string, out: string): number {
  const recs: { ts: number; data: Uint8Array }[] = [];
  readCaptureSync(src, (b) => {
    for (let i = 0; i < b.count; i++) {
      recs.push({ ts: b.tsSec[i] + b.tsNsec[i] * 1e-9, data: b.buf.slice(b.offset[i], b.offset[i] + b.caplen[i]) });
    }
  }, { name: src });
  const all = [0, 30, 1000].flatMap((shift) => recs.map((r) => ({ ts: r.ts + shift, data: r.data })));
  all.sort((a, b) => a.ts - b.ts);
  const w = new PcapWriter(null);
  for (const r of all) w.write(r.ts, r.data);
  writeFileSync(out, w.toBuffer());
  return all.length;
}

test('parallel flows: 2 and 3 workers give the rows of one thread, in the same order, at flow and session level', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await inTmp('refinery-par-', async (dir) => {
    const capture = join(dir, 'interleaved.pcap');
    const records = interleavedCapture(join(data, 'requet', 'baseline_Mar22_exp_46.pcap'), capture);
    // The original's default config: services found by DNS, prefixes and SNI; the whole
    // video configuration (every class on every flow) at both levels.
    const VIDEO = join(data, 'traffic-refinery', 'trconfig_default.json');
    for (const [config, level] of [[ALL, 'flow'], [ALL, 'session'], [VIDEO, 'session'], [VIDEO, 'flow']] as const) {
      const one = await extractTable({ captures: capture, config, bins: [2, 10], level, raw: true, workers: 1 });
      assert.equal(one.stats.records, records);
      assert.ok(one.table.length > 100, `${level}: ${one.table.length} rows`);
      for (const workers of [2, 3]) {
        const many = await extractTable({ captures: capture, config, bins: [2, 10], level, raw: true, workers, shardMinBytes: 0 });
        const what = `${typeof config === 'string' ? 'video config' : 'all'}, ${level}, ${workers} workers`;
        assert.ok(many.parallel, `${what}: the capture was split`);
        assert.equal(many.parallel!.rowsPerWorker.length, workers);
        if (config === ALL && level === 'flow') {
          // Every served packet's class work is done once, and every thread gets a share (how
          // even the shares are depends on the machine's timing: the bench reports it).
          const owned = many.parallel!.packetsPerWorker;
          assert.equal(owned.reduce((x, y) => x + y, 0), one.stats.packets - one.stats.unservedPackets, `${what}: every served packet owned once`);
          assert.ok(Math.min(...owned) > 0.05 * Math.max(...owned), `${what}: packets per worker ${owned}`);
        }
        assert.equal(many.stats.records, one.stats.records, what);
        assert.equal(many.stats.packets, one.stats.packets, what);
        assert.equal(many.stats.flows, one.stats.flows, what);
        assert.equal(many.stats.sessions, one.stats.sessions, what);
        assert.equal(many.stats.rows, one.stats.rows, what);
        assertSameTable(one.table, many.table, { ordered: true });
      }
    }
  });
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
  assertSameTable(one.table, two.table, { ordered: true });
});

test('parallel runs into a CSV, JSON-lines or Parquet file: the file is that of one thread (text byte for byte)', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await inTmp('refinery-par-text-', async (dir) => {
    // Names outside ASCII land in every row (the capture column): byte lengths differ from string lengths.
    const files = [['baseline_Mar22_exp_46.pcap', 'baseline-é.pcap'], ['movement_Apr20_exp_135.pcap', 'mouvement-ü-字.pcap']].map(([src, name]) => {
      copyFileSync(join(data, 'requet', src), join(dir, name));
      return join(dir, name);
    });
    for (const [format, raw] of [['csv', false], ['jsonl', true], ['parquet', false]] as const) {
      for (const [what, captures, level] of [['one file split by unit', files[0], 'flow'], ['two files', files, 'session']] as const) {
        const out = (w: number) => join(dir, `${w}.${format}`);
        for (const w of [1, 2]) {
          const sink = new FileSink(out(w), level, { format, raw });
          const r = await extractTable({ captures, config: ALL, bins: [2, 10], level, raw, sink, workers: w, shardMinBytes: 0 });
          assert.equal(sink.rows, r.stats.rows, `${what} ${format}: every row written`);
          if (w === 2 && typeof captures === 'string') assert.ok(r.parallel, 'the file was split');
        }
        if (format === 'parquet') {
          // Workers hand the sink their table whole (appendTable), not row by row.
          const one = await readTable(out(1));
          assert.ok(one.length > 100, `${what}: ${one.length} rows`);
          assertSameTable(await readTable(out(2)), one);
          continue;
        }
        const one = readFileSync(out(1)), two = readFileSync(out(2));
        assert.ok(one.length > 10_000, `${what} ${format}: ${one.length} bytes`);
        assert.ok(one.toString('utf8').includes('baseline-é.pcap'), 'capture names kept as UTF-8');
        assert.ok(one.equals(two), `${what} ${format}: files differ`);
      }
    }
  });
});

test('a split run over a cut capture keeps every row read before the cut, like one thread, and names file and offset', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await inTmp('refinery-par-cut-', async (dir) => {
    const whole = readFileSync(join(data, 'requet', 'baseline_Mar22_exp_46.pcap'));
    const cut = join(dir, 'cut.pcap');
    // The first 60 % of the file, then a record header claiming 1.4 GB: a fatal error there.
    const head = whole.subarray(0, Math.floor(whole.length * 0.6));
    writeFileSync(cut, Buffer.concat([head, Buffer.from('5858585858585858585858585858585858585858', 'hex')]));
    const one = await extractTable({ captures: cut, config: ALL, bins: [2, 10], level: 'flow', workers: 1 });
    const two = await extractTable({ captures: cut, config: ALL, bins: [2, 10], level: 'flow', workers: 2, shardMinBytes: 0 });
    assert.ok(two.parallel, 'split');
    assert.equal(one.errors.length, 1);
    assert.equal(two.errors.length, 1, 'the error is reported once, not per worker');
    assert.equal(two.errors[0].message, one.errors[0].message);
    assert.match(two.errors[0].message, /cut\.pcap.*offset/);
    assert.ok(one.table.length > 100);
    assertSameTable(one.table, two.table, { ordered: true });
  });
});

test('a worker thread that ends on its own (process.exit in a user module) fails the run with a clear error, no hang', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await inTmp('refinery-par-exit-', async (dir) => {
    // A user's feature class whose module ends the thread at its first packet.
    const mod = join(dir, 'exiting.js');
    const api = join(__dirname, '..', '..', 'src', 'features', 'registry.js');
    writeFileSync(mod, `const { registerFeature } = require(${JSON.stringify(api)});
  class Exiting { static featureName = 'Exiting'; static columns = [{ name: 'X' }];
    init() {} addPacket() { process.exit(7); } collect() {} reset() {} release() {} stateBytes() { return 0; } }
  registerFeature(Exiting);\n`);
    require(mod);
    const files = ['baseline_Mar22_exp_46.pcap', 'movement_Apr20_exp_135.pcap'].map((f) => join(data, 'requet', f));
    const config = { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['Exiting'] }] };
    await assert.rejects(extractTable({ captures: files, config, bins: [10], workers: 2, workerModules: [mod] }), /worker thread \d exited \(code 7\)/);
  }, () => { unregisterFeature('Exiting'); });
});
