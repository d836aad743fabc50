import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateDataset } from '../../src/datasets/generator';
import { runReport } from '../../src/report/run';
import { skipBrowser, withReportPage } from './chromium';

/**
 * The real main job end to end on a small generated dataset: refinery report's library call
 * writes the HTML, and headless Chromium draws every chart of it without a console error.
 */
test('the QoE report of a real sweep draws every chart in Chromium', { skip: skipBrowser, timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-report-'));
  try {
    await generateDataset({ sessions: 6, seed: 41, out: join(dir, 'ds'), minDurationS: 40, maxDurationS: 60 });
    const r = await runReport({ dataset: join(dir, 'ds'), out: join(dir, 'report'), bins: [10, 30], trees: 8, folds: 2, quick: true, workers: 1 });
    // 3 accuracy-vs-cost charts, startup MAE, 2 bin sweeps, confusion, importance, state over time.
    const expected = 9;
    await withReportPage(r.index, expected, async (page, charts, problems) => {
      for (const c of charts) assert.ok(c.traces > 0, `${c.id} drew traces`);
      assert.ok(charts.some((c) => c.heatmap >= 1), 'the confusion heatmap drew');
      assert.ok(charts.some((c) => c.bars > 0), 'the importance bars drew');
      assert.ok(await page.locator('table tbody tr').count() > 10, 'the result tables are there');
      const shot = resolve(process.env.REFINERY_REPORT_SCREENSHOT ?? join(__dirname, '..', '..', '..', 'report', 'qoe-report.png'));
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      assert.ok(statSync(shot).size > 10_000);
      assert.deepEqual(problems, []);
      t.diagnostic(`screenshot ${shot}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
