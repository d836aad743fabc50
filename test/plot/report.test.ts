import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport, writeFigureHtml, renderReport, htmlTable, formatNumber } from '../../src/report/index';
import { accuracyVsCost, binSweep, confusionHeatmap, plotlyJs, scriptJson } from '../../src/plot/index';
import { sweepRows } from './fixtures';

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

test('report: one plotly copy, one div per figure, utf-8, tables formatted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-report-'));
  try {
    const path = writeReport(dir, {
      title: 'Sweep <test>',
      sections: [
        { heading: 'Cost', text: 'First paragraph.\n\nSecond & last.', figures: [accuracyVsCost(sweepRows(), { cost: 'state_bytes', metric: 'accuracy' }), binSweep(sweepRows(), { metric: 'accuracy' })] },
        { heading: 'Errors', figures: [confusionHeatmap({ labels: ['a', 'b'], matrix: [[3, 1], [0, 4]] })], tables: [{ caption: 'rows', rows: [{ name: 'x', bytes: 1234567, share: 0.123456 }, { name: 'y', bytes: NaN, share: 1e-7 }] }] },
      ],
    });
    assert.equal(path, join(dir, 'index.html'));
    const html = readFileSync(path, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<meta charset="utf-8">/);
    assert.equal(count(html, 'plotly.js v'), 1, 'exactly one plotly copy');
    assert.ok(html.length > 4e6 && html.length < 6e6);
    assert.equal(count(html, 'class="refinery-figure'), 3);
    for (const id of ['fig-1-1', 'fig-1-2', 'fig-2-1']) assert.equal(count(html, `id="${id}"`), 1);
    assert.equal(count(html, 'Plotly.newPlot('), 3 + count(plotlyJs(), 'Plotly.newPlot('));
    assert.doesNotMatch(html, /src="http/, 'no CDN');
    assert.match(html, /<title>Sweep &lt;test&gt;<\/title>/);
    assert.match(html, /<p>Second &amp; last\.<\/p>/);
    assert.match(html, /<td class="num">1,234,567<\/td>/);
    assert.match(html, /<td class="num">0\.1235<\/td>/);
    assert.match(html, /<td class="num">1\.000e-7<\/td>/);
    // Only our own script elements close: plotly's text holds no "</script".
    assert.equal(count(html, '</script>'), 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report without figures carries no plotly; writeFigureHtml writes one chart', () => {
  const html = renderReport({ title: 't', sections: [{ heading: 'only a table', tables: [{ rows: [{ a: 1 }] }] }] });
  assert.equal(count(html, 'plotly.js v'), 0);
  const dir = mkdtempSync(join(tmpdir(), 'refinery-fig-'));
  try {
    const p = writeFigureHtml(join(dir, 'sub', 'cm.html'), confusionHeatmap({ labels: ['a', 'b'], matrix: [[1, 0], [0, 1]], title: 'cm' }));
    const html2 = readFileSync(p, 'utf8');
    assert.equal(count(html2, 'plotly.js v'), 1);
    assert.equal(count(html2, 'class="refinery-figure'), 1);
    assert.match(html2, /<title>cm<\/title>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('number formatting and script-safe JSON', () => {
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(-42), '-42');
  assert.equal(formatNumber(3.14159), '3.142');
  assert.equal(formatNumber(12345.678), '12,345.7');
  assert.equal(formatNumber(1521746169.881184), '1,521,746,169.9');
  assert.equal(formatNumber(2.5e15 + 0.5), '2.500e+15');
  assert.equal(formatNumber(2.5e12), '2,500,000,000,000');
  assert.equal(formatNumber(NaN), '');
  assert.equal(scriptJson({ s: '</script><!--', a: new Float64Array([1, 2]) }), '{"s":"\\u003c/script\\u003e\\u003c!--","a":[1,2]}');
  assert.match(htmlTable([{ a: 'x<y' }], { caption: 'c&d' }), /<caption>c&amp;d<\/caption>.*x&lt;y/s);
  assert.match(htmlTable(Array.from({ length: 7 }, (_, i) => ({ i })), { maxRows: 5 }), /… 2 more rows/);
});
