import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../src/flows/flowTable';
import { Packet } from '../../src/decode/packet';
import { decodeRecord } from '../../src/decode/decoder';
import { tcp4Frame, udp4Frame } from '../../src/datasets/packets';
import { batchOf } from '../helpers';

function packetOf(frame: Uint8Array): Packet {
  const p = new Packet();
  decodeRecord(batchOf([{ ts: 1, data: frame }]), 0, p);
  return p;
}

test('both directions of a conversation map to one flow; different 5-tuples do not', () => {
  const t = new FlowTable(16);
  const a = t.lookup(packetOf(tcp4Frame('10.0.0.1', '10.0.0.2', { srcPort: 1000, dstPort: 80 })));
  assert.equal(t.lastCreated, true);
  const fwd = t.lastForward;
  const b = t.lookup(packetOf(tcp4Frame('10.0.0.2', '10.0.0.1', { srcPort: 80, dstPort: 1000 })));
  assert.equal(b, a);
  assert.equal(t.lastCreated, false);
  assert.equal(t.lastForward, !fwd);
  const c = t.lookup(packetOf(udp4Frame('10.0.0.1', '10.0.0.2', 1000, 80, new Uint8Array(1))));
  assert.notEqual(c, a, 'UDP is a different flow than TCP on the same ports');
  const d = t.lookup(packetOf(tcp4Frame('10.0.0.1', '10.0.0.2', { srcPort: 1001, dstPort: 80 })));
  assert.notEqual(d, a);
  assert.equal(t.size, 3);
});

test('random inserts, lookups and removals agree with a Map, across growth', () => {
  const t = new FlowTable(16);
  const ref = new Map<string, number>();
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 48271) % 0x7fffffff; return seed % n; };
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    frames.push(tcp4Frame(`10.0.${rnd(20)}.${rnd(250)}`, `172.16.0.${rnd(5)}`, { srcPort: 1024 + rnd(60000), dstPort: 443 }));
  }
  const keyOf = (f: Uint8Array) => Buffer.from(f.subarray(26, 38)).toString('hex');
  for (let round = 0; round < 3; round++) {
    for (const f of frames) {
      const id = t.lookup(packetOf(f));
      const k = keyOf(f);
      if (ref.has(k)) assert.equal(id, ref.get(k));
      else { assert.equal(t.lastCreated, true); ref.set(k, id); }
    }
    // Remove about half, then check the rest are still found.
    for (const [k, id] of [...ref]) if (rnd(2) === 0) { t.remove(id); ref.delete(k); }
    assert.equal(t.size, ref.size);
    for (const f of frames) {
      const k = keyOf(f);
      if (!ref.has(k)) continue;
      assert.equal(t.lookup(packetOf(f)), ref.get(k));
      assert.equal(t.lastCreated, false);
    }
  }
});
