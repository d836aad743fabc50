import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { FollowerLines, OrderedLines } from '../../src/pipeline/orderedLines';
import type { BinRow, TextEncoding, TextRowSink } from '../../src/pipeline/rows';

const CSV: TextEncoding = { format: 'csv', level: 'session', raw: false };

/** A session row whose only feature X is `x` (its CSV line ends in `,<x>`). */
function rowOf(x: number, client = '10.0.0.1'): BinRow {
  return {
    level: 'session', capture: 'c.pcap', service: 'svc', serviceIndex: 0, unit: 0, binSize: 10, binStart: 0, protocol: '', localIp: client,
    localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '', flows: 1, columns: ['X'], values: Float64Array.of(x), raw: null,
  };
}

/** A text sink that keeps what it is given, as text, with the row count of each write. */
function collector() {
  const decoder = new TextDecoder();
  const c = {
    text: '', rows: 0, writes: 0, begun: [] as string[],
    textEncoding: CSV,
    begin(cols: readonly string[]) { c.begun = [...cols]; },
    row() { throw new Error('rows come encoded'); },
    writeEncoded(lines: string | Uint8Array, rows: number) { c.text += typeof lines === 'string' ? lines : decoder.decode(lines); c.rows += rows; c.writes++; },
  };
  return c satisfies TextRowSink;
}

/** A leader and `n` followers joined by message channels, begun with the one column X. */
function split(n: number) {
  const channels = Array.from({ length: n }, () => new MessageChannel());
  const out = collector();
  const leader = new OrderedLines(out, CSV, channels.map((c) => c.port1));
  const followers = channels.map((c) => new FollowerLines(CSV, c.port2));
  leader.begin(['X']);
  for (const f of followers) f.begin(['X']);
  return { out, leader, followers, close: () => { for (const c of channels) { c.port1.close(); c.port2.close(); } } };
}

/** The feature values of the CSV lines written, in order. */
const valuesOf = (text: string) => text.split('\n').filter(Boolean).map((l) => Number(l.split(',').pop()));

test('a split run\'s lines come out in emission order as soon as the rows before them are there', () => {
  const { out, leader, followers, close } = split(2);
  assert.deepEqual(out.begun, ['X'], 'the sink begins with the run\'s columns');
  // Rows 0..299: row i belongs to thread i % 3 (0: the leader); the followers make theirs as
  // the leader announces them, and post them once per "batch" of 30 rows.
  for (let i = 0; i < 300; i++) {
    const owner = i % 3;
    if (owner === 0) leader.row(rowOf(i));
    else { leader.rowMeta(rowOf(NaN), owner); followers[owner - 1].row(rowOf(i)); }
    if (i % 30 === 29) {
      for (const f of followers) f.send();
      leader.pump();
      // Everything announced so far has all its lines: all of it is written, in order.
      assert.deepEqual(valuesOf(out.text), Array.from({ length: i + 1 }, (_, k) => k), `after row ${i}`);
    }
  }
  leader.finish();
  assert.equal(out.rows, 300);
  // Consecutive rows of one thread go in one write, the lines of other threads in between split them.
  assert.ok(out.writes <= 300, `${out.writes} writes`);
  close();
});

test('a follower\'s rows that have not arrived hold back only the rows after them', () => {
  const { out, leader, followers: [follower], close } = split(1);
  leader.row(rowOf(0));
  leader.rowMeta(rowOf(NaN), 1);
  follower.row(rowOf(1));
  for (let i = 2; i < 200; i++) leader.row(rowOf(i));
  leader.pump();
  assert.deepEqual(valuesOf(out.text), [0], 'row 1 is missing: row 0 only');
  follower.send();
  leader.pump();
  assert.deepEqual(valuesOf(out.text), Array.from({ length: 200 }, (_, k) => k));
  leader.finish();
  close();
});

test('non-ASCII strings: byte lengths of the lines are right', () => {
  const { out, leader, followers: [follower], close } = split(1);
  for (let i = 0; i < 10; i++) {
    if (i % 2) { leader.rowMeta(rowOf(NaN), 1); follower.row(rowOf(i, `höst-${i}-é`)); } else leader.row(rowOf(i, `hôte-${i}`));
  }
  follower.send();
  leader.finish();
  const lines = out.text.split('\n').filter(Boolean);
  assert.deepEqual(lines.map((l) => l.split(',')[2]), Array.from({ length: 10 }, (_, i) => (i % 2 ? `höst-${i}-é` : `hôte-${i}`)));
  close();
});

test('rows a follower never sent, or lines it sent for no row, fail the run', () => {
  const a = split(1);
  a.leader.rowMeta(rowOf(NaN), 1);
  assert.throws(() => a.leader.finish(), /1 rows never arrived from follower 1/);
  a.close();
  const b = split(1);
  b.followers[0].row(rowOf(1));
  b.followers[0].send();
  assert.throws(() => b.leader.finish(), /follower 1 sent lines for rows the leader did not give it/);
  b.close();
});
