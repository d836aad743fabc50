import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractTable } from '../../src/pipeline/extract';
import { sharedData, SHARED_MISSING } from '../helpers';

/**
 * The whole data path (reader, decoders, flows, DNS/SNI parsing, every feature class) on the
 * 415 captures of a packet printer's regression tests, many deliberately malformed: each one
 * runs to its end or stops with a CaptureError naming the file and offset; nothing else throws.
 */
test('every capture of the corpus goes through the full pipeline without an uncaught error', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const dir = join(data, 'pcap-corpus');
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  assert.ok(files.length > 400);
  const config = { Level: 'flow', Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['all'] }] };
  let fatal = 0, packets = 0, skipped = 0;
  const slow: string[] = [];
  for (const f of files) {
    const t0 = performance.now();
    const r = await extractTable({ captures: join(dir, f), config, bins: [2, 10], workers: 1 });
    for (const e of r.errors) { assert.match(e.message, new RegExp(`${f.replace(/[.+]/g, '\\$&')}: .*byte offset \\d+`)); fatal++; }
    packets += r.stats.packets;
    skipped += Object.values(r.stats.skippedByReason()).reduce((a, b) => a + b, 0);
    if (performance.now() - t0 > 5000) slow.push(f);
  }
  assert.deepEqual(slow, [], 'no capture takes more than 5 s');
  assert.ok(packets > 1_000, `packets decoded: ${packets}`);
  assert.ok(skipped > 0, 'unsupported and malformed packets are counted by reason');
  t.diagnostic(`${files.length} captures, ${packets} IP packets, ${skipped} records skipped by reason, ${fatal} stopped with a CaptureError`);
});
