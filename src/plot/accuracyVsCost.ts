import { paretoFront } from './pareto';
import { groupBy, num, requireColumns, rowsOf, RowsLike, sortKeys } from './rows';
import { resolveColumn } from './columns';
import { costColumnSuffixes, costLabel, CostKind, lowerIsBetter, metricLabel } from './metrics';
import type { Figure, Trace } from './types';

export interface AccuracyVsCostOptions {
  /** Which cost goes on x: the column is `cost`, else `cost_mean` for ns_per_packet and `cost_median`, `cost_parquet` for the others (or `costColumn`). */
  cost: CostKind | (string & {});
  /** Exact cost column (default: resolved from `cost`). */
  costColumn?: string;
  /** Metric on y (rows whose `metric` column equals it): accuracy, f1_macro, mae, ... */
  metric: string;
  /** Keep only rows of this task (required when the rows hold several tasks for the metric). */
  task?: string;
  /** One trace per bin size (default) or per representation. */
  traceBy?: 'bin' | 'representation';
  /** Log x axis (default true: costs span orders of magnitude). */
  logX?: boolean;
  /** Override the metric's direction (default: false for mae/rmse/*_error, else true). */
  higherIsBetter?: boolean;
  /** Print the other dimension next to each point (default: when there are at most 40 points). */
  labels?: boolean;
  title?: string;
}

/** One (representation, bin) point of the accuracy-versus-cost plane. */
export interface CostPoint {
  representation: string;
  bin: number;
  cost: number;
  value: number;
  /** How many rows were averaged into it (folds, repeats). */
  n: number;
}

/** The points of an accuracy-versus-cost figure, rows of equal (representation, bin) averaged. */
export function costPoints(input: RowsLike, opts: AccuracyVsCostOptions): { points: CostPoint[]; costColumn: string } {
  const all = rowsOf(input);
  requireColumns(all, ['representation', 'bin', 'metric', 'value'], 'accuracyVsCost');
  let rows = all.filter((r) => r.metric === opts.metric);
  if (opts.task !== undefined) rows = rows.filter((r) => r.task === opts.task);
  if (rows.length === 0) {
    const metrics = [...new Set(all.map((r) => String(r.metric)))];
    throw new Error(`accuracyVsCost: no rows with metric "${opts.metric}"${opts.task !== undefined ? ` and task "${opts.task}"` : ''} (metrics: ${metrics.join(', ')})`);
  }
  const tasks = [...new Set(rows.map((r) => r.task).filter((t) => t !== undefined))];
  if (tasks.length > 1) throw new Error(`accuracyVsCost: metric "${opts.metric}" appears for several tasks (${tasks.join(', ')}): pass { task }`);
  const costColumn = opts.costColumn ?? resolveColumn(rows, opts.cost, costColumnSuffixes(opts.cost));
  const points: CostPoint[] = [];
  for (const g of groupBy(rows, (r) => `${r.representation}\u0000${num(r.bin)}`).values()) {
    const vals = g.map((r) => num(r.value)).filter(Number.isFinite);
    const costs = g.map((r) => num(r[costColumn])).filter(Number.isFinite);
    points.push({
      representation: String(g[0].representation),
      bin: num(g[0].bin),
      cost: costs.length ? mean(costs) : NaN,
      value: vals.length ? mean(vals) : NaN,
      n: g.length,
    });
  }
  return { points, costColumn };
}

/**
 * Accuracy versus systems cost (the paper's Figure 7): one marker trace per bin size (or
 * per representation), and the Pareto front (cheapest for its score) as a line on top.
 */
export function accuracyVsCost(input: RowsLike, opts: AccuracyVsCostOptions): Figure {
  const { points: raw, costColumn } = costPoints(input, opts);
  const logX = opts.logX ?? true;
  const traceBy = opts.traceBy ?? 'bin';
  const higher = opts.higherIsBetter ?? !lowerIsBetter(opts.metric);
  // A log axis cannot place costs <= 0; such points (and NaNs) are left out.
  const points = raw.filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.value) && (!logX || p.cost > 0));
  const labels = opts.labels ?? points.length <= 40;
  const groups = groupBy(points, (p) => (traceBy === 'bin' ? String(p.bin) : p.representation));
  const keys = traceBy === 'bin' ? sortKeys([...groups.keys()]) : [...groups.keys()];
  const hover = `<b>%{customdata[0]}</b>, %{customdata[1]} s bins<br>${costColumn}: %{x:,.4~g}<br>${opts.metric}: %{y:.4~g}<extra></extra>`;
  const data: Trace[] = keys.map((k) => {
    const g = [...groups.get(k)!].sort((a, b) => a.cost - b.cost);
    return {
      type: 'scatter',
      mode: labels ? 'markers+text' : 'markers',
      name: traceBy === 'bin' ? `${k} s bins` : k,
      x: g.map((p) => p.cost),
      y: g.map((p) => p.value),
      text: g.map((p) => (traceBy === 'bin' ? p.representation : `${p.bin} s`)),
      textposition: 'top center',
      textfont: { size: 10 },
      customdata: g.map((p) => [p.representation, p.bin]),
      hovertemplate: hover,
      marker: { size: 9, opacity: 0.85 },
    };
  });
  const front = paretoFront(points, higher ? { minimize: ['cost'], maximize: ['value'] } : { minimize: ['cost', 'value'] });
  data.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: 'Pareto front',
    x: front.map((p) => p.cost),
    y: front.map((p) => p.value),
    text: front.map((p) => `${p.representation}, ${p.bin} s`),
    customdata: front.map((p) => [p.representation, p.bin]),
    hovertemplate: `Pareto front: ${hover}`,
    line: { shape: 'hv', dash: 'dash', color: '#222', width: 1.5 },
    marker: { size: 15, symbol: 'circle-open', color: '#222', line: { width: 2 } },
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? `${opts.metric}${opts.task ? ` (${opts.task})` : ''} versus ${costLabel(opts.cost, costColumn).toLowerCase()}` },
      xaxis: { title: { text: costLabel(opts.cost, costColumn) }, type: logX ? 'log' : 'linear' },
      yaxis: { title: { text: metricLabel(opts.metric) } },
      hovermode: 'closest',
      legend: { title: { text: traceBy === 'bin' ? 'bin size' : 'representation' } },
      margin: { t: 60, r: 20 },
    },
  };
}

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
