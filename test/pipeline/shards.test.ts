import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { applyShardOptions, expandCaptures, fnv1a64, jumpHash, parseShard, selectShard, shardOf } from '../../src/pipeline/shards';
import { UsageError } from '../../src/cli/args';

const names = (n: number, prefix = 'g7-') => Array.from({ length: n }, (_, i) => `/data/${prefix}${String(i).padStart(5, '0')}.pcap`);

test('shards partition the file list exactly: every file in one shard, order kept', () => {
  const files = names(1000);
  for (let n = 1; n <= 12; n++) {
    const seen = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const part = selectShard(files, k, n);
      // Order within a shard is the order of the list.
      assert.deepEqual(part, files.filter((f) => part.includes(f)));
      for (const f of part) {
        assert.ok(!seen.has(f), `${f} in shards ${seen.get(f)} and ${k} of ${n}`);
        seen.set(f, k);
      }
    }
    assert.equal(seen.size, files.length, `n=${n}: every file in some shard`);
  }
});

test('shards are balanced on many files and depend on the base name only', () => {
  const files = names(4000);
  for (const n of [2, 4, 8]) {
    const mean = files.length / n;
    for (let k = 0; k < n; k++) {
      const size = selectShard(files, k, n).length;
      assert.ok(Math.abs(size - mean) < 0.15 * mean, `n=${n} shard ${k}: ${size} files, mean ${mean}`);
    }
  }
  assert.equal(shardOf('/a/b/x.pcap', 7), shardOf('x.pcap', 7));
  assert.equal(shardOf('relative/x.pcap', 7), shardOf('/elsewhere/x.pcap', 7));
});

test('adding files moves none; one more shard moves about 1/(n+1), all to the new shard', () => {
  const before = names(2000);
  const after = [...names(300, 'new-'), ...before];
  for (const f of before) assert.equal(shardOf(f, 5), shardOf(f, 5));
  const of = (list: string[], n: number) => new Map(list.flatMap((f) => [[f, shardOf(f, n)] as const]));
  const a5 = of(after, 5);
  for (const f of before) assert.equal(a5.get(f), shardOf(f, 5), 'adding files must not move existing ones');
  for (const n of [1, 3, 8]) {
    let moved = 0;
    for (const f of before) {
      const x = shardOf(f, n), y = shardOf(f, n + 1);
      if (x !== y) { moved++; assert.equal(y, n, `${f} moved from ${x} to ${y}, not to the new shard ${n}`); }
    }
    const expected = before.length / (n + 1);
    assert.ok(Math.abs(moved - expected) < 0.2 * expected, `n=${n}->${n + 1}: moved ${moved}, expected ~${expected}`);
  }
});

test('the hash is frozen: FNV-1a 64 of the base name, jump consistent hash (reference values)', () => {
  assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
  assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64('g1-0000.pcap'), 0x9d8f5097036f3fben);
  assert.equal(fnv1a64('session-é.pcapng'), 0xad3c78d3ca5149abn);
  // Values from an independent implementation of the reference C++ (Lamping & Veach).
  const ref: [string, number[]][] = [
    ['g1-0000.pcap', [0, 1, 1, 1, 31, 474]],
    ['g1-0001.pcap', [0, 0, 2, 3, 97, 238]],
    ['session-é.pcapng', [0, 1, 2, 5, 25, 352]],
    ['a', [0, 1, 2, 2, 31, 163]],
  ];
  for (const [name, want] of ref) assert.deepEqual([1, 2, 3, 7, 100, 1000].map((n) => shardOf(`/x/${name}`, n)), want, name);
  assert.deepEqual([0n, 1n, 2n ** 64n - 1n].map((k) => jumpHash(k, 1_000_000)), [0, 985611, 589430]);
});

test('parseShard: k/n, 0-based, with clear errors', () => {
  assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
  assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
  assert.throws(() => parseShard('4/4'), /0-based.*0\.\.3.*--array=0-3/);
  assert.throws(() => parseShard('5/4'), /0-based/);
  assert.throws(() => parseShard('0/0'), /number of shards must be a whole number >= 1/);
  for (const bad of ['', '1', '1/', '/2', '-1/2', '1.5/2', 'a/b', '1/2/3']) assert.throws(() => parseShard(bad), /expected k\/n/, bad);
});

test('parseShard auto: Slurm arrays (0- or 1-based) and Kubernetes indexed Jobs', () => {
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 0, count: 4 });
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }), { index: 3, count: 4 });
  assert.deepEqual(parseShard('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 2, count: 3 });
  assert.deepEqual(parseShard('auto', { JOB_COMPLETION_INDEX: '7', REFINERY_SHARDS: '8' }), { index: 7, count: 8 });
  assert.throws(() => parseShard('auto', { JOB_COMPLETION_INDEX: '7' }), /REFINERY_SHARDS/);
  assert.throws(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: '2' }), /SLURM_ARRAY_TASK_COUNT/);
  assert.throws(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' }), /step/);
  assert.throws(() => parseShard('auto', {}), /neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX/);
});

test('expandCaptures: directories, patterns in the last component, sorted, deduplicated', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-shards-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['b.pcap', 'a.pcapng', 'c.pcap.gz', 'd.PCAPNG.GZ', 'notes.txt', '.hidden.pcap', 'e.pcap.tmp']) writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'sub.pcap'));
  writeFileSync(join(dir, 'sub.pcap', 'inner.pcap'), '');
  symlinkSync(join(dir, 'b.pcap'), join(dir, 'link.pcap'));
  const d = (f: string) => join(dir, f);
  assert.deepEqual(expandCaptures([dir]), ['a.pcapng', 'b.pcap', 'c.pcap.gz', 'd.PCAPNG.GZ', 'link.pcap'].map(d));
  assert.deepEqual(expandCaptures([join(dir, '*.pcap')]), ['b.pcap', 'link.pcap'].map(d));
  assert.deepEqual(expandCaptures([join(dir, '?.pcap*')]), ['a.pcapng', 'b.pcap', 'c.pcap.gz', 'e.pcap.tmp'].map(d));
  assert.deepEqual(expandCaptures([join(dir, '.*.pcap')]), ['.hidden.pcap'].map(d));
  // Argument order kept, duplicates dropped, '-' and plain paths (even missing ones) kept.
  assert.deepEqual(expandCaptures([d('c.pcap.gz'), '-', dir, join(dir, 'missing.pcap')]),
    [d('c.pcap.gz'), '-', d('a.pcapng'), d('b.pcap'), d('d.PCAPNG.GZ'), d('link.pcap'), d('missing.pcap')]);
  assert.throws(() => expandCaptures([join(dir, '*.pcapx')]), /no file matches/);
  assert.throws(() => expandCaptures([join(dir, '*', 'inner.pcap')]), /last path component/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assert.throws(() => expandCaptures([empty]), /no capture files in this directory/);
});

test('applyShardOptions: what refinery extract runs for --shard', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-shards-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = Array.from({ length: 9 }, (_, i) => `s${i}.pcap`);
  for (const f of files) writeFileSync(join(dir, f), '');
  const none = applyShardOptions([dir], undefined);
  assert.equal(none.shard, null);
  assert.equal(none.captures.length, 9);
  assert.equal(none.part, '0');
  const all: string[] = [];
  for (let k = 0; k < 3; k++) {
    const r = applyShardOptions([dir], `${k}/3`);
    assert.deepEqual(r.shard, { index: k, count: 3 });
    assert.equal(r.total, 9);
    assert.equal(r.part, String(k));
    all.push(...r.captures);
  }
  assert.deepEqual(all.sort(), none.captures);
  // More shards than files: some shards are empty, which is not an error.
  const sizes = Array.from({ length: 20 }, (_, k) => applyShardOptions([dir], `${k}/20`).captures.length);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 9);
  assert.ok(sizes.includes(0));
  assert.throws(() => applyShardOptions(['-'], '0/2'), (e) => e instanceof UsageError && /standard input/.test(e.message));
  assert.throws(() => applyShardOptions([dir], '2/2'), (e) => e instanceof UsageError && /0-based/.test(e.message));
  assert.throws(() => applyShardOptions([join(dir, 'x*')], undefined), UsageError);
});
