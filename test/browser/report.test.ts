import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../../src/report/index';
import { accuracyVsCost, binSweep, confusionHeatmap } from '../../src/plot/index';
import { sweepRows } from '../plot/fixtures';

/** The little of the DOM the page functions touch (the project compiles without lib.dom). */
interface DomElement { id: string; querySelector(selector: string): unknown; querySelectorAll(selector: string): ArrayLike<DomElement> }
declare const document: { querySelectorAll(selector: string): ArrayLike<DomElement> };

const CHROMIUM = '/usr/bin/chromium';
/** Headless flags of REFERENCE.md §5 (playwright adds --headless; --user-data-dir goes through launchPersistentContext), plus no QUIC. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium)`;

test('report renders every chart in headless Chromium without console errors', { skip, timeout: 120_000 }, async (t) => {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
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
  const expected = 3;
  const profile = mkdtempSync(join(tmpdir(), 'refinery-chromium-'));
  const t0 = performance.now();
  const timings: string[] = [];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 900 } });
  try {
    timings.push(`launch ${(performance.now() - t0).toFixed(0)} ms`);
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForFunction((n) => {
      const gds = document.querySelectorAll('.js-plotly-plot');
      return gds.length === n && Array.from(gds).every((g) => g.querySelector('.main-svg'));
    }, expected, { timeout: 30_000 });
    timings.push(`charts drawn ${(performance.now() - t0).toFixed(0)} ms`);
    const charts = await page.evaluate(() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((g) => ({
      id: g.id,
      traces: ((g as unknown as { data?: unknown[] }).data ?? []).length,
      scatter: g.querySelectorAll('.scatterlayer .trace').length,
      heatmap: g.querySelectorAll('.heatmaplayer image, .hm image').length,
      points: g.querySelectorAll('.scatterlayer .point').length,
    })));
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
    t.diagnostic(`browser: ${timings.join(', ')}, done ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
