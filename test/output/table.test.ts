import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureTable } from '../../src/output/table';
import { STAGE_ROWS } from '../../src/output/rowStage';
import type { BinRow } from '../../src/pipeline/rows';

/** A flow row of service `svc` whose values are `f(i, column)`. */
function rowOf(i: number, svc: string, columns: string[], f: (i: number, c: number) => number): BinRow {
  return {
    level: 'flow', capture: 'c.pcap', service: svc, serviceIndex: 0, unit: i, binSize: 10, binStart: 1000 + i,
    protocol: 'tcp', localIp: `10.0.0.${i % 250}`, localPort: 1000 + (i % 7), remoteIp: '192.0.2.1', remotePort: 443,
    categorizedBy: 'prefix', flows: 1, columns, values: Float64Array.from(columns, (_, c) => f(i, c)), raw: null,
  };
}

test('staged rows become the same columns as rows written one by one: across chunks, a service whose columns come late, append and reorder', () => {
  const a = ['A.x', 'A.y'], b = ['B.z', 'A.x'];
  const t = new FeatureTable('flow', { featureColumns: a });
  const n = 3 * STAGE_ROWS + 17;
  // Service B's column B.z is not announced: it appears at row 700, in the middle of a chunk.
  for (let i = 0; i < n; i++) t.row(i >= 700 && i % 3 === 0 ? rowOf(i, 'b', b, (j, c) => j * 10 + c) : rowOf(i, 'a', a, (j, c) => j * 100 + c));
  assert.equal(t.length, n);
  assert.deepEqual(t.columns.slice(-3), ['A.x', 'A.y', 'B.z']);
  const x = t.column('A.x') as Float64Array, y = t.column('A.y') as Float64Array, z = t.column('B.z') as Float64Array;
  const start = t.column('bin_start') as Float64Array, port = t.column('local_port') as Float64Array, ip = t.column('local_ip') as string[];
  for (let i = 0; i < n; i++) {
    const isB = i >= 700 && i % 3 === 0;
    assert.equal(start[i], 1000 + i);
    assert.equal(port[i], 1000 + (i % 7));
    assert.equal(ip[i], `10.0.0.${i % 250}`);
    assert.equal(x[i], isB ? i * 10 + 1 : i * 100, `A.x row ${i}`);
    if (isB) { assert.ok(Number.isNaN(y[i]), `A.y row ${i} is NaN for service b`); assert.equal(z[i], i * 10); }
    else { assert.equal(y[i], i * 100 + 1); assert.ok(Number.isNaN(z[i]), `B.z row ${i} is NaN for service a`); }
  }
  // Rows staged after the columns were read join them; append and reorder keep every value.
  for (let i = n; i < n + 600; i++) t.row(rowOf(i, 'a', a, (j, c) => -j - c));
  const other = new FeatureTable('flow', { featureColumns: a });
  for (let i = 0; i < 5; i++) other.row(rowOf(i, 'a', a, () => 7));
  t.append(other);
  assert.equal(t.length, n + 605);
  assert.equal((t.column('A.y') as Float64Array)[n + 599], -(n + 599) - 1);
  assert.equal((t.column('A.x') as Float64Array)[n + 604], 7);
  const order = Array.from({ length: t.length }, (_, i) => t.length - 1 - i);
  t.reorder(order);
  assert.equal((t.column('A.x') as Float64Array)[0], 7);
  assert.equal((t.column('bin_start') as Float64Array)[t.length - 1], 1000);
});

test('a table over staged chunks (split runs) reads back what was written at each row position', () => {
  const feats = ['A.x', 'A.y'];
  const layout = FeatureTable.rowLayout('session', feats);
  const n = STAGE_ROWS + 3;
  const chunks = [new Float64Array(STAGE_ROWS * layout.stride), new Float64Array(STAGE_ROWS * layout.stride)];
  const strings = { capture: [] as string[], service: [] as string[], local_ip: [] as string[] };
  // Rows written out of order, as two threads would.
  for (const i of [...Array(n).keys()].reverse()) {
    const r: BinRow = { ...rowOf(i, 's', feats, (j, c) => j + c / 10), level: 'session', flows: i % 5 };
    layout.write(chunks[Math.floor(i / STAGE_ROWS)], i % STAGE_ROWS, r);
  }
  for (let i = 0; i < n; i++) { strings.capture.push('c.pcap'); strings.service.push('s'); strings.local_ip.push(`h${i}`); }
  const t = FeatureTable.fromStaged('session', feats, strings, chunks, n, null);
  assert.equal(t.length, n);
  const y = t.column('A.y') as Float64Array, flows = t.column('flows') as Float64Array;
  for (let i = 0; i < n; i++) { assert.equal(y[i], i + 0.1); assert.equal(flows[i], i % 5); }
  assert.equal((t.column('local_ip') as string[])[n - 1], `h${n - 1}`);
  assert.throws(() => FeatureTable.fromStaged('session', feats, { ...strings, local_ip: [] }, chunks, n, null), /local_ip has 0 values/);
});
