import { groupBy, num, requireColumns, rowsOf, RowsLike } from './rows';
import { metricLabel } from './metrics';
import type { Figure, Trace } from './types';

export interface BinSweepOptions {
  /** Metric on y (rows whose `metric` column equals it). */
  metric: string;
  /** Keep only rows of this task. */
  task?: string;
  /** Log x axis (default false). */
  logX?: boolean;
  /** Draw ± one standard deviation when several rows share a (representation, bin) (default true). */
  errorBars?: boolean;
  title?: string;
}

/**
 * A metric versus bin size, one line per representation (the paper's Figure 8). Rows need
 * `representation`, `bin`, `metric`, `value`; repeated (representation, bin) rows (folds)
 * are averaged.
 */
export function binSweep(input: RowsLike, opts: BinSweepOptions): Figure {
  const all = rowsOf(input);
  requireColumns(all, ['representation', 'bin', 'metric', 'value'], 'binSweep');
  let rows = all.filter((r) => r.metric === opts.metric);
  if (opts.task !== undefined) rows = rows.filter((r) => r.task === opts.task);
  const tasks = [...new Set(rows.map((r) => r.task).filter((t) => t !== undefined))];
  if (tasks.length > 1) throw new Error(`binSweep: metric "${opts.metric}" appears for several tasks (${tasks.join(', ')}): pass { task }`);
  const bins = [...new Set(rows.map((r) => num(r.bin)).filter(Number.isFinite))].sort((a, b) => a - b);
  const errorBars = opts.errorBars ?? true;
  const data: Trace[] = [];
  for (const [rep, g] of groupBy(rows, (r) => String(r.representation))) {
    const byBin = groupBy(g, (r) => String(num(r.bin)));
    const xs: number[] = [], ys: number[] = [], sd: number[] = [];
    let repeated = false;
    for (const b of bins) {
      const vals = (byBin.get(String(b)) ?? []).map((r) => num(r.value)).filter(Number.isFinite);
      if (!vals.length) continue;
      const m = vals.reduce((s, v) => s + v, 0) / vals.length;
      xs.push(b);
      ys.push(m);
      sd.push(vals.length > 1 ? Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / (vals.length - 1)) : 0);
      if (vals.length > 1) repeated = true;
    }
    const t: Trace = {
      type: 'scatter',
      mode: 'lines+markers',
      name: rep,
      x: xs,
      y: ys,
      hovertemplate: `<b>${escapeTemplate(rep)}</b><br>bin: %{x} s<br>${opts.metric}: %{y:.4~g}<extra></extra>`,
    };
    if (errorBars && repeated) t.error_y = { type: 'data', array: sd, visible: true };
    data.push(t);
  }
  return {
    data,
    layout: {
      title: { text: opts.title ?? `${opts.metric}${opts.task ? ` (${opts.task})` : ''} versus bin size` },
      xaxis: { title: { text: 'Bin size (s)' }, type: opts.logX ? 'log' : 'linear', tickvals: bins },
      yaxis: { title: { text: metricLabel(opts.metric) } },
      hovermode: 'closest',
      legend: { title: { text: 'representation' } },
      margin: { t: 60, r: 20 },
    },
  };
}

/** Plotly templates treat `%{` specially; names are shown literally. */
function escapeTemplate(s: string): string {
  return s.replace(/%\{/g, '%\u200b{');
}
