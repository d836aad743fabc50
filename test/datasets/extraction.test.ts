import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateDataset } from '../../src/datasets/generator';
import { readDatasetSync, capturePath, parseSegmentsCsv, DatasetLabels } from '../../src/datasets/labels';
import { datasetConfig } from '../../src/model/dataset';
import { extractTable } from '../../src/pipeline/extract';
import { Pipeline } from '../../src/pipeline/pipeline';
import { FeatureTable } from '../../src/output/table';
import { normalizeConfig } from '../../src/config/config';
import { readCaptureSync } from '../../src/capture/reader';
import { SERVICE_PROFILES, ServiceName } from '../../src/datasets/services';

let dir = '';
let labels: DatasetLabels;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'refinery-extract-'));
  await generateDataset({ sessions: 8, seed: 31, out: dir, minDurationS: 40, maxDurationS: 60 });
  labels = readDatasetSync(dir);
});
process.on('exit', () => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test('VideoSegments finds the segments the generator sent, DNS puts every session in its service', async () => {
  const segments = parseSegmentsCsv(readFileSync(join(dir, 'segments.csv'), 'utf8'));
  const config = datasetConfig(labels, ['PacketCounters', 'VideoSegments'], [600]);
  for (const s of labels.sessions) {
    const r = await extractTable({ captures: capturePath(labels, s), config, bins: [600], level: 'session', workers: 1 });
    const row = r.table.toRows().find((x) => x.local_ip === s.client_ip && x.service === s.service);
    assert.ok(row, `${s.session_id}: a ${s.service} session row for the client`);
    const truth = segments.filter((x) => x.session_id === s.session_id && x.t_done !== null).length;
    const found = Number(row['VideoSegments.CompletedTotal']) + Number(row['VideoSegments.Pending']);
    // The heuristic also counts the player's other request/response exchanges on the service's
    // connections (manifests, licences, telemetry): a few more than the media segments, never fewer.
    assert.ok(found >= truth && found <= truth * 1.15 + 6, `${s.session_id}: found ${found} segments for ${truth} sent`);
  }
});

test('without DNS, the TLS ClientHello or QUIC Initial SNI puts the video flows in the right service', () => {
  // Domains only (no prefixes), and DNS answers ignored: only SNI can categorize.
  const names = [...new Set(labels.sessions.map((s) => s.service))] as ServiceName[];
  const config = normalizeConfig({ Services: names.map((n) => ({ Name: n, Filter: { DomainsString: [...SERVICE_PROFILES[n].domains], DomainsRegex: [...SERVICE_PROFILES[n].domainsRegex] }, Collect: ['PacketCounters'] })) });
  const by = new Set<string>();
  for (const s of labels.sessions) {
    const table = new FeatureTable('flow');
    const p = new Pipeline({ config, bins: [600], sink: table });
    p.services.learnDns = () => {};
    readCaptureSync(capturePath(labels, s), (b) => p.processBatch(b));
    p.finish();
    const mine = table.toRows().filter((x) => x.local_ip === s.client_ip);
    const video = mine.filter((x) => x.service === s.service);
    assert.ok(video.length >= 1, `${s.session_id}: ${s.service} flows found by SNI`);
    for (const v of video) { assert.ok(v.categorized_by === 'sni' || v.categorized_by === 'quic-sni'); by.add(String(v.categorized_by)); }
    assert.ok(mine.every((x) => x.service === s.service), `${s.session_id}: no flow of the client put in another service`);
  }
  assert.ok(by.has('sni'), 'TLS ClientHello SNI used');
});
