import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { extractTable, resolveConfig } from '../../src/pipeline/extract';
import { extractSharded } from '../../src/pipeline/parallel';
import { relayMemory, unwrap, Relay, MAX_BATCH_RECORDS } from '../../src/pipeline/relay';
import type { PacketBatch } from '../../src/capture/batch';
import { unregisterFeature } from '../../src/features/registry';
import { sharedData, SHARED_MISSING, assertSameTable } from '../helpers';
import { PcapWriter } from '../../src/capture/pcapWriter';
import { udp4Frame } from '../../src/datasets/packets';

const ALL = { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['all'] }] };

test('ring positions read back across the 2^32 wrap of the shared counters', () => {
  // The leader stores positions as int32; a follower up to 2^31 behind reads them back whole.
  for (const near of [5, 2 ** 31 - 3, 2 ** 31 + 7, 2 ** 32 + 11, 3 * 2 ** 32 - 1, 2 ** 40 + 5]) {
    for (const behind of [0, 1, 1 << 20, 2 ** 31 - 1]) {
      const pos = near - behind;
      if (pos < 0) continue;
      assert.equal(unwrap(pos | 0, near), pos, `near ${near}, behind ${behind}`);
    }
  }
  assert.throws(() => relayMemory(1, 100, 16), /powers of two/);
});

test('a batch too large for the packed per-packet op is refused with the limit named, before anything is written', () => {
  const relay = new Relay([], relayMemory(0), 1);
  const huge = { count: MAX_BATCH_RECORDS + 1 } as PacketBatch;
  assert.throws(() => relay.batchStart(huge), new RegExp(`at most ${MAX_BATCH_RECORDS} records \\(got ${MAX_BATCH_RECORDS + 1}; batchSize\\)`));
});

test('tiny op rings: ops wrap around the ring and the leader waits for room, output still that of one thread', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
  const config = resolveConfig(ALL);
  for (const level of ['flow', 'session'] as const) {
    const one = await extractTable({ captures: capture, config, bins: [2, 10], level, raw: true, workers: 1 });
    for (const workers of [2, 3]) {
      // 64 ints hold a dozen ops: every batch wraps the ring many times and fills it.
      const split = await extractSharded(capture, { config, bins: [2, 10], level, raw: true, workers, modules: [], ring: { ints: 64, nums: 16 } });
      const what = `${level}, ${workers} workers`;
      assert.equal(split.stats.rows, one.stats.rows, what);
      const owned = split.timing!.packetsPerWorker;
      assert.equal(owned.reduce((a, b) => a + b, 0), one.stats.packets - one.stats.unservedPackets, `${what}: every served packet handled once`);
      // Flows are many: each thread gets some (sessions are few here, a thread may get none).
      if (level === 'flow') assert.ok(owned.every((p) => p > 0), `${what}: every worker ran classes (${owned})`);
      assert.ok(split.timing!.waitMs[0] > 0, `${what}: the leader waited for ring room`);
      assertSameTable(one.table, split.table, { ordered: true });
      assert.deepEqual(split.table.raw, one.table.raw, `${what}: raw per-class data`);
    }
  }
});

test('the final flush of many open flows goes to the followers in parts (rows cross several shared chunks), output that of one thread', async () => {
  // 1500 UDP flows, three packets each, all still open when the capture ends: the flush closes
  // 1500 flows (3000 rows, six 512-row chunks) and publishes the followers' ops every 256 flows.
  const dir = mkdtempSync(join(tmpdir(), 'refinery-relay-flush-'));
  try {
    const w = new PcapWriter(null);
    const payload = new Uint8Array(100);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 1500; i++) {
        w.write(1000 + k * 0.3 + i * 1e-4, udp4Frame(`10.0.${i >> 8}.${i & 255}`, '192.0.2.1', 20000 + i, 443, payload));
      }
    }
    const capture = join(dir, 'open-flows.pcap');
    writeFileSync(capture, w.toBuffer());
    const config = resolveConfig(ALL);
    const one = await extractTable({ captures: capture, config, bins: [2, 10], level: 'flow', workers: 1 });
    assert.equal(one.table.length, 3000, 'one row per flow and bin size');
    const split = await extractSharded(capture, { config, bins: [2, 10], level: 'flow', raw: false, workers: 2, modules: [] });
    assert.ok(split.timing!.rowsPerWorker.every((r) => r > 0), `both threads made rows (${split.timing!.rowsPerWorker})`);
    assertSameTable(one.table, split.table, { ordered: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gzip-compressed capture splits too (leader and follower read it as streams)', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const dir = mkdtempSync(join(tmpdir(), 'refinery-relay-gz-'));
  try {
    const gz = join(dir, 'baseline.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(data, 'requet', 'baseline_Mar22_exp_46.pcap'))));
    const one = await extractTable({ captures: gz, config: ALL, bins: [2, 10], level: 'flow', workers: 1 });
    const two = await extractTable({ captures: gz, config: ALL, bins: [2, 10], level: 'flow', workers: 2, shardMinBytes: 0 });
    assert.ok(two.parallel, 'split');
    assert.ok(two.parallel!.packetsPerWorker.every((p) => p > 0), `both threads ran classes (${two.parallel!.packetsPerWorker})`);
    assertSameTable(one.table, two.table, { ordered: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two batch slots of each kind: the leader reuses them as followers move on, plain and gzip captures', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const dir = mkdtempSync(join(tmpdir(), 'refinery-relay-slots-'));
  try {
    const plain = join(data, 'requet', 'movement_Apr20_exp_135.pcap');
    const gz = join(dir, 'movement.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    const config = resolveConfig(ALL);
    for (const capture of [plain, gz]) {
      const one = await extractTable({ captures: capture, config, bins: [2, 10], level: 'flow', workers: 1 });
      for (const workers of [2, 3]) {
        const split = await extractSharded(capture, { config, bins: [2, 10], level: 'flow', raw: false, workers, modules: [], ring: { ints: 1 << 12, nums: 1 << 10, slots: { columns: 2, bytes: 2 } } });
        const what = `${capture === gz ? 'gzip' : 'plain'}, ${workers} workers`;
        assert.ok(split.timing!.packetsPerWorker.every((p) => p > 0), `${what}: every worker ran classes`);
        // Two slots of each kind (columns of 4096 records, buffers of ~1.3 MB) hold the 3.3 MB capture.
        const held = split.timing!.batchBytes!;
        assert.ok(held > 0 && held < 2 * 4096 * 26 + 2 * 1.4e6, `${what}: ${held} bytes of batch slots`);
        assertSameTable(one.table, split.table, { ordered: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Writes and loads a module registering feature class `name` whose methods are `body` (plain
 * JavaScript; `isMainThread` is in scope). Every method it leaves out is a no-op.
 */
function classModule(dir: string, name: string, body: string): string {
  const mod = join(dir, `${name}.js`);
  const api = join(__dirname, '..', '..', 'src', 'features', 'registry.js');
  writeFileSync(mod, `const { registerFeature } = require(${JSON.stringify(api)});
const { isMainThread } = require('node:worker_threads');
class Base { init() {} addPacket() {} collect() {} reset() {} release() {} stateBytes() { return 0; } }
class ${name} extends Base { static featureName = '${name}'; static columns = [{ name: 'X', unit: 'n', description: 'x' }];
  ${body} }
registerFeature(${name});\n`);
  require(mod);
  return mod;
}

/** A feature class module that throws in the main thread or in worker threads only, at its 100th packet. */
function throwingModule(dir: string, name: string, where: 'main' | 'worker'): string {
  return classModule(dir, name, `constructor(ctx) { super(); this.n = 0; }
  collect(u, s, out, o) { out[o] = this.n; }
  addPacket() { if (++this.n === 100 && isMainThread === ${where === 'main'}) throw new Error('${name} broke at packet 100'); }`);
}

/** Runs `fn` with a fresh folder, then unregisters `classes` and removes the folder. */
async function withModules(classes: string[], fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-relay-'));
  try {
    await fn(dir);
  } finally {
    for (const c of classes) unregisterFeature(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

const oneService = (...collect: string[]) => ({ Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: collect }] });

test('a follower thread that ends on its own (process.exit in a user module) fails the split run with a clear error, no hang', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await withModules(['ExitsInFollower'], async (dir) => {
    const mod = classModule(dir, 'ExitsInFollower', 'addPacket() { if (!isMainThread) process.exit(7); }');
    const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
    await assert.rejects(extractTable({ captures: capture, config: oneService('ExitsInFollower'), bins: [10], workers: 2, shardMinBytes: 0, workerModules: [mod] }),
      /worker thread \d exited \(code 7\)/);
  });
});

test('a feature class that cannot be built in a follower fails the split run at once with its error', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  await withModules(['NoFollower'], async (dir) => {
    const mod = classModule(dir, 'NoFollower', "constructor(ctx) { super(); if (!isMainThread) throw new Error('NoFollower cannot start here'); }");
    const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
    const t0 = performance.now();
    // Tiny rings: the leader fills them at once and would wait for a follower that never started.
    await assert.rejects(extractSharded(capture, { config: resolveConfig(oneService('PacketCounters', 'NoFollower')), bins: [10], level: 'flow', raw: false, workers: 2, modules: [mod], ring: { ints: 64, nums: 16 } }),
      /NoFollower cannot start here/);
    assert.ok(performance.now() - t0 < 20_000, 'no wait for the stall timeout');
  });
});

test('a feature class failing in a follower or in the leader fails the split run with its own error, no hang, and the next run works', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
  await withModules(['BreaksInFollower', 'BreaksInLeader'], async (dir) => {
    for (const where of ['worker', 'main'] as const) {
      const name = where === 'worker' ? 'BreaksInFollower' : 'BreaksInLeader';
      const mod = throwingModule(dir, name, where);
      await assert.rejects(
        extractTable({ captures: capture, config: oneService('PacketCounters', name), bins: [10], workers: 2, shardMinBytes: 0, workerModules: [mod] }),
        new RegExp(`${name} broke at packet 100`), where);
    }
    // The pool recovers: a split run right after gives the rows of one thread.
    const one = await extractTable({ captures: capture, config: ALL, bins: [10], workers: 1 });
    const two = await extractTable({ captures: capture, config: ALL, bins: [10], workers: 2, shardMinBytes: 0 });
    assert.ok(two.parallel, 'split');
    assertSameTable(one.table, two.table, { ordered: true });
  });
});
