/**
 * A number for a table cell: integers with thousands separators; others with four
 * significant digits below 10,000 and one decimal above (so epoch seconds stay exact to
 * 0.1 s); scientific notation below 1e-3 and from 1e15; '' for NaN.
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e15)) return v.toExponential(3);
  if (a >= 1e4) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** Text for any cell value. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint') return v.toLocaleString('en-US');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
