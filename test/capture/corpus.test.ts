import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { dataDir } from './helpers';
import type { CorpusResult } from './corpusWorker';

interface TsharkFile { records: number; sumCapLen: number; complete: boolean; error?: string }
const fixture = require('../../../test/fixtures/tshark/corpus.json') as { files: Record<string, TsharkFile> };

/** Link types whose pseudo-header wiretap strips from the packet (so tshark's cap_len is smaller). */
const PSEUDO_HEADER_LINK_TYPES = new Set([123 /* SUNATM */, 139 /* MTP2_WITH_PHDR */, 144 /* IRDA */, 177 /* LINUX_LAPD */, 201 /* BLUETOOTH_HCI_H4_WITH_PHDR */]);
const PER_FILE_MS = 5000;

test('pcap-corpus: every capture completes or stops with a CaptureError, counts equal tshark\'s', async (t) => {
  const data = dataDir();
  if (!data || !existsSync(join(data, 'pcap-corpus'))) { t.skip('../shared/data/pcap-corpus is absent'); return; }
  const dir = join(data, 'pcap-corpus');
  const files = readdirSync(dir).sort();
  assert.equal(files.length, Object.keys(fixture.files).length, 'fixture covers the corpus');

  const results: CorpusResult[] = [];
  await new Promise<void>((resolve, reject) => {
    // A heap limit turns a runaway allocation into a worker failure instead of a stalled machine.
    const w = new Worker(join(__dirname, 'corpusWorker.js'), { workerData: { dir, files }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    let current = '(none)';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { void w.terminate(); reject(new Error(`${current}: no result within ${PER_FILE_MS} ms (hang?)`)); }, PER_FILE_MS);
    };
    arm();
    w.on('message', (m: { start?: string; result?: CorpusResult; crash?: string }) => {
      if (m.start) { current = m.start; arm(); }
      if (m.result) results.push(m.result);
      if (m.crash) reject(new Error(`worker crashed on ${current}: ${m.crash}`));
      if (results.length === files.length) { clearTimeout(timer); void w.terminate(); resolve(); }
    });
    w.on('error', (e) => { clearTimeout(timer); reject(new Error(`${current}: ${e}`)); });
    w.on('exit', (code) => { clearTimeout(timer); if (results.length < files.length) reject(new Error(`worker exited (${code}) on ${current}`)); });
  });

  let compared = 0;
  let errors = 0;
  for (const r of results) {
    const want = fixture.files[r.file];
    assert.ok(want, `${r.file} in the fixture`);
    assert.ok(r.ms < PER_FILE_MS, `${r.file}: ${r.ms} ms`);
    for (const e of [r.error, r.syncError]) {
      if (e) assert.ok(e.captureError, `${r.file}: only CaptureError may escape, got ${e.text}`);
    }
    // Chunking must not matter: 61-byte sync reads equal 1 MiB async reads.
    assert.deepEqual([r.syncRecords, r.syncSumCapLen, r.syncError === null], [r.records, r.sumCapLen, r.error === null], `${r.file}: sync vs async`);
    if (r.error) errors++;
    if (!want.complete) continue;
    compared++;
    assert.equal(r.error, null, `${r.file}: tshark reads it completely`);
    assert.equal(r.records, want.records, `${r.file}: record count`);
    const pseudo = Object.keys(r.linkTypes).some((lt) => PSEUDO_HEADER_LINK_TYPES.has(Number(lt)));
    if (!pseudo) assert.equal(r.sumCapLen, want.sumCapLen, `${r.file}: sum of captured lengths`);
  }
  t.diagnostic(`${results.length} files, ${compared} compared with tshark, ${errors} stopped with a CaptureError`);
  assert.ok(compared > 400);
});
