import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readCaptureSync } from '../../src/capture/reader';
import type { PacketBatch } from '../../src/capture/batch';
import { SharedBatches, SlotMessage, slotBatch } from '../../src/pipeline/sharedBatches';

/** A hand-built pcap: record i has `sizes[i]` bytes, each byte (i * 7 + j) & 255, time i.(i*1000) s. */
function pcapOf(sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(262144, 16); h.writeUInt32LE(1, 20);
  parts.push(h);
  sizes.forEach((n, i) => {
    const r = Buffer.alloc(16 + n);
    r.writeUInt32LE(1000 + i, 0); r.writeUInt32LE(i * 1000, 4); r.writeUInt32LE(n, 8); r.writeUInt32LE(n + 4, 12);
    for (let j = 0; j < n; j++) r[16 + j] = (i * 7 + j) & 255;
    parts.push(r);
  });
  return Buffer.concat(parts);
}

/** Checks record `i` of the capture, as `b` holds it at index `k`. */
function checkRecord(b: PacketBatch, k: number, i: number, n: number): void {
  assert.equal(b.caplen[k], n, `record ${i}: caplen`);
  assert.equal(b.wirelen[k], n + 4, `record ${i}: wirelen`);
  assert.equal(b.tsSec[k], 1000 + i, `record ${i}: seconds`);
  assert.equal(b.tsNsec[k], i * 1000 * 1000, `record ${i}: nanoseconds`);
  assert.equal(b.linkType[k], 1, `record ${i}: link type`);
  const o = b.offset[k];
  for (let j = 0; j < n; j++) if (b.buf[o + j] !== ((i * 7 + j) & 255)) assert.fail(`record ${i}: byte ${j} is ${b.buf[o + j]}`);
}

/** What the followers would see: slots by id, as their messages build them. */
function followerView() {
  const columns = new Map<number, PacketBatch>(), bytes = new Map<number, Uint8Array>();
  const messages: SlotMessage[] = [];
  return {
    messages, columns, bytes,
    send(m: SlotMessage) {
      messages.push(m);
      const map = m.kind === 'bytes' ? bytes : columns;
      if (m.replaces >= 0) { assert.ok(map.has(m.replaces), `slot ${m.replaces} replaced before it existed`); map.delete(m.replaces); }
      if (m.kind === 'bytes') bytes.set(m.id, new Uint8Array(m.memory)); else columns.set(m.id, slotBatch(m.memory));
    },
    batch(at: { columns: number; bytes: number }, count: number): PacketBatch {
      const b = columns.get(at.columns)!;
      b.buf = bytes.get(at.bytes)!;
      b.count = count;
      return b;
    },
  };
}

/**
 * Reads `sizes` (see pcapOf) through a SharedBatches store with 3 + 3 slots, the way a leader
 * does, with a follower that starts nothing until the leader waits for it and then checks every
 * batch published so far from shared memory (so a slot overwritten too early shows).
 */
function readThroughStore(sizes: number[], chunkSize: number) {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-slots-'));
  try {
    const path = join(dir, 'slots.pcap');
    writeFileSync(path, pcapOf(sizes));
    const f = followerView();
    const published: { at: { columns: number; bytes: number }; count: number; first: number }[] = [];
    let started = 0, waits = 0, checked = 0;
    const follow = () => {
      for (; started < published.length; started++) {
        const { at, count, first } = published[started];
        const view = f.batch(at, count);
        for (let k = 0; k < count; k++, checked++) checkRecord(view, k, first + k, sizes[first + k]);
      }
    };
    const store = new SharedBatches(3, 3, 16, (m) => f.send(m), () => started, (ready) => {
      waits++;
      assert.equal(ready(), false, 'waits only when every slot is in use');
      follow();
      assert.equal(ready(), true, 'a follower that moved on frees a slot');
    });
    let next = 0;
    readCaptureSync(path, (b) => {
      published.push({ at: store.put(b, published.length + 1), count: b.count, first: next });
      for (let k = 0; k < b.count; k++, next++) checkRecord(b, k, next, sizes[next]);
    }, { chunkSize }, store);
    follow();
    assert.equal(next, sizes.length, 'every record delivered once');
    assert.equal(checked, sizes.length, 'every record checked from shared memory');
    return { f, waits, batches: published.length, store };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a plain file read straight into shared slots: reads carry the cut record over, slots are reused only once followers moved on', () => {
  // 1000 records of 1..3000 bytes (1.5 MB), read 16 KiB at a time into 512 KiB buffers: most
  // reads end inside a record, and each buffer's cut record moves to the next.
  const sizes = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 389) % 3000));
  const { f, waits, batches } = readThroughStore(sizes, 16384);
  assert.ok(batches >= 1000 / 16, `${batches} batches of at most 16 records`);
  // Three buffers' worth of bytes, in 3 + at most 3 slots (a free slot is reused before a new one is added).
  assert.equal(f.columns.size, 3, 'columns slots');
  assert.ok(f.bytes.size >= 2 && f.bytes.size <= 3, `byte slots: ${f.bytes.size}`);
  assert.ok(waits > 0, 'the reader waited for slots');
  assert.deepEqual(f.messages.filter((m) => m.replaces >= 0), [], 'no slot was replaced');
});

test('shared slots: reads that end exactly where a record ends never rewind over delivered records', () => {
  // File header + first record = 16 KiB, then 4 KiB records: every 16 KiB read ends on a record boundary.
  const sizes = [16384 - 24 - 16, ...Array.from({ length: 400 }, () => 4096 - 16)];
  const { f, waits } = readThroughStore(sizes, 16384);
  assert.ok(waits > 0, 'the reader waited for slots');
  assert.ok(f.bytes.size >= 2, 'several buffers');
});

test('batches from other readers are copied into slots; a batch larger than its slot gets a larger one under a new id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-slots-'));
  try {
    // Batches of 32 records: the first span ~32 KB, the last ones ~1.9 MB (over the 512 KiB slots).
    const sizes = Array.from({ length: 256 }, (_, i) => (i < 128 ? 1000 : 60000) + i);
    const path = join(dir, 'copy.pcap');
    writeFileSync(path, pcapOf(sizes));
    const f = followerView();
    let n = 0, next = 0;
    const store = new SharedBatches(2, 2, 32, (m) => f.send(m), () => n, () => assert.fail('no wait: the follower is never behind'));
    readCaptureSync(path, (b) => {
      const at = store.put(b, ++n);
      const view = f.batch(at, b.count);
      for (let k = 0; k < b.count; k++, next++) checkRecord(view, k, next, sizes[next]);
    }, { batchSize: 32, chunkSize: 1 << 22 });
    assert.equal(next, sizes.length);
    const replaced = f.messages.filter((m) => m.kind === 'bytes' && m.replaces >= 0);
    assert.ok(replaced.length >= 1, 'a byte slot grew');
    assert.ok(replaced.every((m) => m.memory.byteLength > 1 << 19), 'into a larger buffer');
    // A follower never behind frees each slot before the next batch: one of each serves all.
    assert.equal(f.bytes.size, 1, 'one byte slot');
    assert.equal(f.columns.size, 1, 'one columns slot');
    assert.ok(store.memoryBytes >= [...f.bytes.values()].reduce((s, b) => s + b.length, 0), 'memory accounted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('slot memory of a finished run serves the next run (no fresh pages to fault in), and its old bytes never show', () => {
  const first = readThroughStore(Array.from({ length: 300 }, (_, i) => 100 + ((i * 97) % 2000)), 16384);
  first.store.recycle();
  const before = new Set(first.f.messages.map((m) => m.memory));
  // Other sizes, so a record read from a stale slot would fail checkRecord.
  const second = readThroughStore(Array.from({ length: 300 }, (_, i) => 50 + ((i * 53) % 1500)), 16384);
  const reused = second.f.messages.filter((m) => before.has(m.memory));
  assert.ok(reused.some((m) => m.kind === 'bytes') && reused.some((m) => m.kind === 'columns'), `slots reused: ${reused.length} of ${second.f.messages.length}`);
  // A run that is not recycled (a failure: a follower may still read its slots) gives nothing back.
  const third = readThroughStore([200, 300, 400], 16384);
  assert.equal(third.f.messages.filter((m) => new Set(second.f.messages.map((x) => x.memory)).has(m.memory)).length, 0, 'memory of a run not recycled is not reused');
});

test('batch slots: fewer than two of a kind is refused', () => {
  assert.throws(() => new SharedBatches(1, 4, 16, () => {}, () => 0, () => {}), /at least 2/);
  assert.throws(() => new SharedBatches(4, 1, 16, () => {}, () => 0, () => {}), /at least 2/);
});
