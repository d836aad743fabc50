import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { openCapture, readCaptureSync, CaptureSource } from '../../src/capture/reader';
import type { PacketBatch } from '../../src/capture/batch';
import { dataDir } from './helpers';

interface TsharkCapture { records: number; firstTs: string; lastTs: string; sumFrameLen: number; sumCapLen: number; sumTsSec: number; sumTsNsec: number }
const fixture = require('../../../test/fixtures/tshark/captures.json') as { captures: Record<string, TsharkCapture> };
const conversations = require('../../../test/fixtures/tshark/conversations.json') as { conversations: Record<string, { tcp: number[][]; udp: number[][] }> };

/** The same summary tshark's fields give, from our batches. */
class Summary {
  records = 0; sumFrameLen = 0; sumCapLen = 0; sumTsSec = 0; sumTsNsec = 0;
  firstTs: string | null = null; lastTs: string | null = null;
  add(b: PacketBatch): void {
    for (let i = 0; i < b.count; i++) {
      this.sumFrameLen += b.wirelen[i];
      this.sumCapLen += b.caplen[i];
      this.sumTsSec += b.tsSec[i];
      this.sumTsNsec += b.tsNsec[i];
    }
    if (b.count > 0) {
      const f = (i: number) => `${b.tsSec[i]}.${String(b.tsNsec[i]).padStart(9, '0')}`;
      this.firstTs ??= f(0);
      this.lastTs = f(b.count - 1);
      this.records += b.count;
    }
  }
}

async function summarize(source: CaptureSource): Promise<Summary> {
  const s = new Summary();
  for await (const b of openCapture(source, { batchSize: 1000 })) s.add(b);
  return s;
}

const data = dataDir();

test('record counts, timestamps and lengths equal tshark\'s for traffic-refinery and requet captures', async (t) => {
  if (!data) { t.skip('../shared/data is absent'); return; }
  const names = Object.keys(fixture.captures);
  assert.ok(names.length >= 20, 'fixture lists the captures');
  for (const name of names) {
    const path = join(data, name);
    if (!existsSync(path)) { t.diagnostic(`missing ${path}`); continue; }
    const want = fixture.captures[name];
    const got = await summarize(path);
    assert.deepEqual({ ...got }, { ...want }, name);
    const sync = new Summary();
    readCaptureSync(path, (b) => sync.add(b));
    assert.deepEqual({ ...sync }, { ...want }, `${name} (sync)`);
  }
});

test('a gzip-compressed Requet session streamed through a pipe equals tshark\'s reading of the plain file', async (t) => {
  if (!data) { t.skip('../shared/data is absent'); return; }
  const name = 'requet/baseline_Mar22_exp_46.pcap';
  const gz = createReadStream(join(data, name)).pipe(createGzip());
  assert.deepEqual({ ...(await summarize(gz)) }, { ...fixture.captures[name] });
});

test('conversation fixture is consistent with the capture fixture', () => {
  for (const [name, c] of Object.entries(conversations.conversations)) {
    const cap = fixture.captures[name];
    assert.ok(cap, name);
    let frames = 0;
    for (const row of [...c.tcp, ...c.udp]) {
      frames += row[4] + row[6];
      assert.ok(row[8] <= row[4] && row[9] <= row[6], `${name}: table frames within field frames`);
    }
    assert.ok(frames <= cap.records, name);
  }
});
