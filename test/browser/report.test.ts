import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { skipBrowser, withReportPage } from './chromium';
import { writeReport } from '../../src/report/index';
import { accuracyVsCost, binSweep, confusionHeatmap } from '../../src/plot/index';
import { sweepRows } from '../plot/fixtures';

test('report renders every chart in headless Chromium without console errors', { skip: skipBrowser, timeout: 120_000 }, async (t) => {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const reportDir = join(repoRoot, 'report', 'browser-check');
  const rows = sweepRows();
  const path = writeReport(reportDir, {
    title: 'Browser check',
    subtitle: 'Hand-made rows: three representations, three bin sizes',
    sections: [
      { heading: 'Accuracy versus state', figures: [accuracyVsCost(rows, { cost: 'state_bytes', metric: 'accuracy' })] },
      { heading: 'Bin sweep and confusion', figures: [binSweep(rows, { metric: 'f1_macro' }), confusionHeatmap({ labels: ['144p', '480p', '720p'], matrix: [[8, 2, 0], [1, 6, 3], [0, 1, 9]] })],
        tables: [{ caption: 'Sample rows', rows: rows.slice(0, 4) }] },
    ],
  });
  const t0 = performance.now();
  await withReportPage(path, 3, async (page, charts, problems) => {
    assert.deepEqual(charts.map((c) => c.id), ['fig-1-1', 'fig-2-1', 'fig-2-2']);
    for (const c of charts) assert.ok(c.traces > 0, `${c.id} has data`);
    assert.equal(charts[0].traces, 4, 'three bin traces and the Pareto front');
    assert.equal(charts[0].scatter, 4);
    assert.ok(charts[0].points >= 9 + 3, 'markers drawn');
    assert.equal(charts[1].scatter, 3);
    assert.ok(charts[2].heatmap >= 1, 'heatmap image drawn');
    assert.equal(await page.locator('table tbody tr').count(), 4);
    const shot = resolve(process.env.REFINERY_SCREENSHOT ?? join(repoRoot, 'report', 'screenshot.png'));
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    assert.deepEqual(problems, []);
    t.diagnostic(`report ${path}`);
    t.diagnostic(`screenshot ${shot}`);
    t.diagnostic(`browser: done ${(performance.now() - t0).toFixed(0)} ms`);
  });
});
