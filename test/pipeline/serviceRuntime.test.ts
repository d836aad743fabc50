import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packetAdder } from '../../src/pipeline/serviceRuntime';
import type { FeatureClass } from '../../src/features/api';
import { Packet } from '../../src/decode/packet';

/** A class instance that records the packets it gets. */
function recorder(name: string, log: string[]): FeatureClass {
  return {
    init() {}, collect() {}, reset() {}, release() {}, stateBytes: () => 0,
    addPacket(p: Packet, unit: number) { log.push(`${name}:${p.ipLen}:${unit}`); },
  };
}

test('packetAdder hands each packet to every class of the set, in order; an instance wrapped later is called through its wrapper', () => {
  const log: string[] = [];
  const set = [recorder('a', log), recorder('b', log), recorder('c', log)];
  const add = packetAdder(set);
  const p = new Packet();
  p.ipLen = 60;
  add(p, 7);
  p.ipLen = 1500;
  add(p, 9);
  assert.deepEqual(log, ['a:60:7', 'b:60:7', 'c:60:7', 'a:1500:9', 'b:1500:9', 'c:1500:9']);
  // A profiler shadows the method with an own property after the adder was made.
  const inner = set[1].addPacket;
  set[1].addPacket = (q, u) => { log.push('wrapped'); inner.call(set[1], q, u); };
  log.length = 0;
  add(p, 1);
  assert.deepEqual(log, ['a:1500:1', 'wrapped', 'b:1500:1', 'c:1500:1']);
  assert.doesNotThrow(() => packetAdder([])(p, 0), 'an empty set');
});
