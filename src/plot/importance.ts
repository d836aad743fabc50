import type { Figure } from './types';

export interface FeatureImportance {
  feature: string;
  importance: number;
  /** Spread over trees or repeats, drawn as an error bar. */
  std?: number;
}

export interface ImportanceOptions {
  /** How many of the most important features to show (default 20). */
  top?: number;
  title?: string;
}

/** Horizontal bars of feature importances, most important on top. */
export function featureImportanceBars(items: readonly FeatureImportance[], opts: ImportanceOptions = {}): Figure {
  const top = opts.top ?? 20;
  const sorted = items.filter((i) => Number.isFinite(i.importance)).sort((a, b) => b.importance - a.importance).slice(0, top);
  const hasStd = sorted.some((i) => i.std !== undefined && Number.isFinite(i.std));
  const longest = sorted.reduce((n, i) => Math.max(n, i.feature.length), 0);
  return {
    data: [{
      type: 'bar',
      orientation: 'h',
      name: 'importance',
      x: sorted.map((i) => i.importance),
      y: sorted.map((i) => i.feature),
      hovertemplate: '%{y}: %{x:.4~g}<extra></extra>',
      ...(hasStd ? { error_x: { type: 'data', array: sorted.map((i) => i.std ?? 0), visible: true } } : {}),
    }],
    layout: {
      title: { text: opts.title ?? `Feature importance (top ${sorted.length} of ${items.length})` },
      xaxis: { title: { text: 'Importance' } },
      yaxis: { type: 'category', autorange: 'reversed', automargin: true },
      height: Math.max(260, 110 + 24 * sorted.length),
      margin: { l: Math.min(360, 20 + 7 * longest), t: 60, r: 20 },
    },
  };
}
