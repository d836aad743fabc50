import { escapeHtml } from '../plot/html';
import { rowsOf, type RowsLike } from '../plot/rows';
import { formatCell } from './format';

export interface TableOptions {
  caption?: string;
  /** Columns to show, in order (default: every column of the rows, in first-seen order). */
  columns?: string[];
  /** Rows beyond this are left out with a note (default 500). */
  maxRows?: number;
}

/** An HTML table of rows (objects, a danfojs DataFrame or a FeatureTable); numbers formatted and right-aligned. */
export function htmlTable(input: RowsLike, opts: TableOptions = {}): string {
  const rows = rowsOf(input);
  const columns = opts.columns ?? (() => {
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    return [...seen];
  })();
  const max = opts.maxRows ?? 500;
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === 'number'));
  const head = columns.map((c, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('');
  const body = rows.slice(0, max).map((r) =>
    `<tr>${columns.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(formatCell(r[c]))}</td>`).join('')}</tr>`).join('\n');
  const more = rows.length > max ? `<tr class="more"><td colspan="${columns.length}">… ${rows.length - max} more rows</td></tr>` : '';
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}${more}</tbody></table></div>`;
}
