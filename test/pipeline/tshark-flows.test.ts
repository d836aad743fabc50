import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractTable } from '../../src/pipeline/extract';
import { sharedData, SHARED_MISSING } from '../helpers';

/**
 * Per-flow packet and IP-byte totals against tshark (fixtures derived by
 * scripts/make-flow-fixtures.py from the public captures in ../shared/data).
 */
const fixture = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tshark', 'flows.json'), 'utf8')) as {
  flows: Record<string, { flows: Record<string, [number, number, number, number]> }>;
};

const data = sharedData();

for (const [rel, { flows: expected }] of Object.entries(fixture.flows)) {
  test(`per-flow totals equal tshark's: ${rel}`, async (t) => {
    if (!data) { t.skip(SHARED_MISSING); return; }
    // Every flow must stay one flow for the whole capture: no idle eviction in between.
    const r = await extractTable({ captures: join(data, rel), bins: [60], config: { FlowCache: { EvictTime: 1e9 * 86400 } } });
    assert.equal(r.errors.length, 0);
    const got = new Map<string, [number, number, number, number]>();
    const T = r.table;
    const cols = ['protocol', 'local_ip', 'local_port', 'remote_ip', 'remote_port', 'PacketCounters.OutPackets', 'PacketCounters.OutBytes',
      'PacketCounters.InPackets', 'PacketCounters.InBytes'].map((c) => T.column(c));
    for (let i = 0; i < T.length; i++) {
      const [proto, lip, lport, rip, rport, op, ob, ip, ib] = cols.map((c) => c[i]);
      if (proto !== 'tcp' && proto !== 'udp') continue;
      const local = `${lip}|${lport}`, remote = `${rip}|${rport}`;
      // Same canonical order as the fixture: (address text, port number).
      const localFirst = lip < rip || (lip === rip && Number(lport) <= Number(rport));
      const key = `${proto}|${localFirst ? local : remote}|${localFirst ? remote : local}`;
      const cur = got.get(key) ?? [0, 0, 0, 0];
      if (localFirst) { cur[0] += +op; cur[1] += +ob; cur[2] += +ip; cur[3] += +ib; }
      else { cur[0] += +ip; cur[1] += +ib; cur[2] += +op; cur[3] += +ob; }
      got.set(key, cur);
    }
    const missing = Object.keys(expected).filter((k) => !got.has(k));
    assert.deepEqual(missing, [], 'flows tshark sees that we do not');
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(got.get(k), v, k);
    const extra = [...got.keys()].filter((k) => !(k in expected));
    assert.deepEqual(extra, [], 'flows we see that tshark does not');
  });
}
