import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';

/** The little of the DOM the page functions touch (the project compiles without lib.dom). */
interface DomElement { id: string; querySelector(selector: string): unknown; querySelectorAll(selector: string): ArrayLike<DomElement> }
declare const document: { querySelectorAll(selector: string): ArrayLike<DomElement> };

export const CHROMIUM = '/usr/bin/chromium';
/** Headless flags of REFERENCE.md §5 (playwright adds --headless; --user-data-dir goes through launchPersistentContext), plus no QUIC. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** A reason to skip browser tests, or false when Debian's Chromium is there. */
export const skipBrowser: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium)`;

export interface ChartInfo { id: string; traces: number; scatter: number; heatmap: number; points: number; bars: number }

/**
 * Opens an HTML page in headless Chromium, waits until `expected` plotly charts have drawn,
 * and hands the page, what each chart drew, and every console/page/request problem to `use`.
 */
export async function withReportPage<T>(path: string, expected: number,
  use: (page: Page, charts: ChartInfo[], problems: string[]) => Promise<T>): Promise<T> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'refinery-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 900 } });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForFunction((n) => {
      const gds = document.querySelectorAll('.js-plotly-plot');
      return gds.length === n && Array.from(gds).every((g) => g.querySelector('.main-svg'));
    }, expected, { timeout: 60_000 });
    const charts = await page.evaluate(() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((g) => ({
      id: g.id,
      traces: ((g as unknown as { data?: unknown[] }).data ?? []).length,
      scatter: g.querySelectorAll('.scatterlayer .trace').length,
      heatmap: g.querySelectorAll('.heatmaplayer image, .hm image').length,
      points: g.querySelectorAll('.scatterlayer .point').length,
      bars: g.querySelectorAll('.barlayer .point').length,
    })));
    return await use(page, charts, problems);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
