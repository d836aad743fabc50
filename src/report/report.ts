import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { escapeHtml, figureDiv, plotlyScriptTag } from '../plot/html';
import type { RowsLike } from '../plot/rows';
import { titleOf, type Figure } from '../plot/types';
import { htmlTable } from './table';

export interface ReportTable {
  caption?: string;
  rows: RowsLike;
  columns?: string[];
  maxRows?: number;
}

export interface ReportSection {
  heading: string;
  /** Paragraphs (split on blank lines); plain text, escaped. */
  text?: string;
  figures?: Figure[];
  tables?: ReportTable[];
}

export interface ReportOptions {
  title: string;
  sections: ReportSection[];
  /** A line under the title (default: the generation time). */
  subtitle?: string;
}

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.subtitle { color: #666; margin: 0 0 16px; }
nav ol { margin: 0; padding-left: 22px; columns: 2; }
.refinery-figure { margin: 12px 0 20px; border: 1px solid #eee; border-radius: 4px; }
.table-wrap { overflow-x: auto; margin: 12px 0 20px; }
table { border-collapse: collapse; font-size: 13px; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.more td { color: #888; font-style: italic; }
`;

function paragraphs(text: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
}

function page(title: string, body: string, withPlotly: boolean): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
${withPlotly ? plotlyScriptTag() : ''}
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The report as one standalone HTML page: plotly.js inlined once (offline), one div per
 * chart (ids `fig-<section>-<n>`), tables as HTML.
 */
export function renderReport(opts: ReportOptions): string {
  const subtitle = opts.subtitle ?? `Generated ${new Date().toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  const parts: string[] = [`<h1>${escapeHtml(opts.title)}</h1>`, `<p class="subtitle">${escapeHtml(subtitle)}</p>`];
  if (opts.sections.length > 2) {
    parts.push(`<nav><ol>${opts.sections.map((s, i) => `<li><a href="#section-${i + 1}">${escapeHtml(s.heading)}</a></li>`).join('')}</ol></nav>`);
  }
  let figures = 0;
  opts.sections.forEach((s, i) => {
    parts.push(`<section id="section-${i + 1}">`, `<h2>${escapeHtml(s.heading)}</h2>`);
    if (s.text) parts.push(paragraphs(s.text));
    (s.figures ?? []).forEach((f, j) => {
      figures++;
      parts.push(figureDiv(f, `fig-${i + 1}-${j + 1}`, { className: 'report-figure' }));
    });
    for (const t of s.tables ?? []) parts.push(htmlTable(t.rows, { caption: t.caption, columns: t.columns, maxRows: t.maxRows }));
    parts.push('</section>');
  });
  return page(opts.title, parts.join('\n'), figures > 0);
}

/** Writes `dir/index.html` (creating `dir`) and returns its absolute path. */
export function writeReport(dir: string, opts: ReportOptions): string {
  mkdirSync(dir, { recursive: true });
  const path = resolve(join(dir, 'index.html'));
  writeFileSync(path, renderReport(opts));
  return path;
}

/** Writes one chart as a standalone HTML page (plotly.js inlined) and returns its absolute path. */
export function writeFigureHtml(path: string, fig: Figure, opts: { title?: string } = {}): string {
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  const title = opts.title ?? (titleOf(fig) || 'Figure');
  writeFileSync(abs, page(title, figureDiv(fig, 'fig-1', { className: 'report-figure' }), true));
  return abs;
}
