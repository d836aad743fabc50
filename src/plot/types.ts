/**
 * Plotly figure specs as plain JSON: what the builders return and the renderers draw.
 * Loosely typed on purpose (plotly has hundreds of attributes); the common ones are named.
 */

/** One plotly trace (scatter, bar, heatmap, ...). */
export interface Trace {
  type?: string;
  name?: string;
  mode?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown[][];
  text?: unknown;
  [attribute: string]: unknown;
}

/** Layout of a figure (title, axes, legend, ...). */
export interface Layout {
  title?: { text: string } | string;
  xaxis?: Record<string, unknown>;
  yaxis?: Record<string, unknown>;
  [attribute: string]: unknown;
}

/** A plotly figure: `Plotly.newPlot(div, fig.data, fig.layout, fig.config)`. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: Record<string, unknown>;
}

/** A tidy row: column name to value. */
export type Row = Record<string, unknown>;

/** The title text of a figure, or '' when it has none. */
export function titleOf(fig: Figure): string {
  const t = fig.layout.title;
  return typeof t === 'string' ? t : t?.text ?? '';
}
