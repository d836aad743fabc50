import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { extractTable } from '../../src/pipeline/extract';
import { sharedData, SHARED_MISSING } from '../helpers';

/**
 * VideoSegments on real YouTube traffic (Requet, mostly Google QUIC): the number of segments
 * per minute must be plausible for a YouTube player (chunks of a few seconds of video plus
 * audio, fewer once the buffer is full). The services come from the original's own config,
 * categorized by the DNS answers in the capture.
 */
for (const name of ['baseline_Mar22_exp_46', 'movement_Apr20_exp_135']) {
  test(`YouTube segments per minute are plausible on Requet ${name}`, async (t) => {
    const data = sharedData();
    if (!data) { t.skip(SHARED_MISSING); return; }
    const r = await extractTable({
      captures: join(data, 'requet', `${name}.pcap`), config: join(data, 'traffic-refinery', 'trconfig_default.json'),
      bins: [60], level: 'session', workers: 1,
    });
    const rows = r.table.toRows().filter((x) => x.service === 'Youtube');
    assert.ok(r.stats.dnsLearned > 0, 'YouTube addresses learned from the DNS answers');
    assert.ok(rows.length >= 8, `about ten minutes of YouTube session (${rows.length} minute bins)`);
    const perMinute = rows.map((x) => Number(x['VideoSegments.Completed'])).sort((a, b) => a - b);
    const median = perMinute[Math.floor(perMinute.length / 2)];
    // Seen: baseline 2-19 per minute (median 4-5), movement 13-30 (median ~16).
    assert.ok(perMinute.every((n) => n >= 1 && n <= 60), `per-minute counts ${perMinute.join(',')}`);
    assert.ok(median >= 2 && median <= 30, `median ${median}`);
    const sizes = rows.map((x) => Number(x['VideoSegments.SizeMean'])).filter(Number.isFinite);
    assert.ok(sizes.every((s) => s > 1_000 && s < 5_000_000), 'mean segment sizes between 1 kB and 5 MB');
  });
}
