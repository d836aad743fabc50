import { readFileSync } from 'node:fs';
import type { Figure } from './types';

let plotlySource: string | undefined;

/**
 * plotly.js (the minified dist bundle, ~4.8 MB) made safe to inline in a `<script>`:
 * `</script` and `<!--` cannot occur in it (they would end or confuse the HTML parser).
 */
export function plotlyJs(): string {
  if (plotlySource === undefined) {
    const path = require.resolve('plotly.js-dist-min');
    plotlySource = readFileSync(path, 'utf8').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '\\x3C!--').replace(/<(script)/gi, '\\x3C$1');
  }
  return plotlySource;
}

/** The version of the bundled plotly.js. */
export function plotlyVersion(): string {
  const m = /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlyJs().slice(0, 200));
  return m ? m[1] : 'unknown';
}

/** A `<script>` that defines `window.Plotly` unless a copy is already loaded. */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript">if (!window.Plotly) {\n${plotlyJs()}\n}</script>`;
}

/** JSON that can sit inside a `<script>` element (no `<`, `>`, `&`, line separators; typed arrays as arrays). */
export function scriptJson(value: unknown): string {
  const json = JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
  return (json ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** HTML text escaping for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Plotly config used for every chart unless the figure overrides it. */
export const DEFAULT_CONFIG = { responsive: true, displaylogo: false };

export interface FigureDivOptions {
  /** CSS height of the div (default: the layout's height, else 450px). */
  height?: number | string;
  /** Extra class names on the div. */
  className?: string;
}

/**
 * A div with the given id and the script that draws `fig` into it (expects `window.Plotly`;
 * when it is missing the div says so instead of failing silently).
 */
export function figureDiv(fig: Figure, id: string, opts: FigureDivOptions = {}): string {
  const h = opts.height ?? (typeof fig.layout.height === 'number' ? fig.layout.height : 450);
  const height = typeof h === 'number' ? `${h}px` : h;
  const cls = ['refinery-figure', opts.className].filter(Boolean).join(' ');
  const config = { ...DEFAULT_CONFIG, ...(fig.config ?? {}) };
  const sid = scriptJson(id);
  return `<div id="${escapeHtml(id)}" class="${escapeHtml(cls)}" style="width:100%;height:${escapeHtml(height)}"></div>
<script type="text/javascript">(function () {
  var el = document.getElementById(${sid});
  if (!window.Plotly) { el.textContent = 'plotly.js is not loaded here: call resetPlotly() and show the figure again.'; return; }
  window.Plotly.newPlot(el, ${scriptJson(fig.data)}, ${scriptJson(fig.layout)}, ${scriptJson(config)});
})();</script>`;
}

let counter = 0;

/** A fresh element id (`refinery-fig-<random>-<n>`), unique within a page and across kernel cells. */
export function newFigureId(prefix = 'refinery-fig'): string {
  counter++;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}
