import { groupBy, num, requireColumns, rowsOf, RowsLike } from './rows';
import type { Figure, Trace } from './types';

export interface StateOverTimeOptions {
  /** Column naming the line (default `class`). */
  classColumn?: string;
  /** Time column (default `t`, seconds). */
  t?: string;
  /** Value column (default `bytes`). */
  y?: string;
  /** Log y axis (default true). */
  logY?: boolean;
  title?: string;
}

/** In-use state over time, one line per feature class, on a log axis. */
export function stateOverTime(input: RowsLike, opts: StateOverTimeOptions = {}): Figure {
  const cls = opts.classColumn ?? 'class', tc = opts.t ?? 't', yc = opts.y ?? 'bytes';
  const rows = rowsOf(input);
  requireColumns(rows, [cls, tc, yc], 'stateOverTime');
  const logY = opts.logY ?? true;
  const data: Trace[] = [];
  for (const [name, g] of groupBy(rows, (r) => String(r[cls]))) {
    const pts = g.map((r) => [num(r[tc]), num(r[yc])]).filter(([t, y]) => Number.isFinite(t) && Number.isFinite(y) && (!logY || y > 0)).sort((a, b) => a[0] - b[0]);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name,
      x: pts.map((p) => p[0]),
      y: pts.map((p) => p[1]),
      hovertemplate: `<b>${name}</b><br>t: %{x:.3~g} s<br>${yc}: %{y:,.0f}<extra></extra>`,
    });
  }
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'State over time' },
      xaxis: { title: { text: 'Time (s)' } },
      yaxis: { title: { text: yc === 'bytes' ? 'State (bytes)' : yc }, type: logY ? 'log' : 'linear' },
      hovermode: 'x unified',
      legend: { title: { text: cls } },
      margin: { t: 60, r: 20 },
    },
  };
}
