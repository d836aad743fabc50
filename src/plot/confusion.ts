import type { Figure } from './types';

export interface ConfusionInput {
  /** Class names, in the order of the matrix's rows and columns. */
  labels: readonly (string | number)[];
  /** counts[i][j]: rows of true class i predicted as class j. */
  matrix: readonly (readonly number[])[];
  title?: string;
  /** Color by row-normalized share (default) or by raw count. */
  colorBy?: 'share' | 'count';
}

/**
 * A confusion-matrix heatmap: true class on y (top to bottom), predicted class on x; each
 * cell shows its count and its share of the true class's row.
 */
export function confusionHeatmap(input: ConfusionInput): Figure {
  const n = input.labels.length;
  const m = input.matrix;
  if (m.length !== n || m.some((r) => r.length !== n)) {
    throw new Error(`confusionHeatmap: matrix must be ${n}x${n} for ${n} labels (got ${m.length}x${m.map((r) => r.length).join('/')})`);
  }
  const labels = input.labels.map(String);
  const share = m.map((r) => {
    const total = r.reduce((s, v) => s + v, 0);
    return r.map((v) => (total > 0 ? v / total : 0));
  });
  const text = m.map((r, i) => r.map((v, j) => `${v}<br>${(share[i][j] * 100).toFixed(1)}%`));
  const total = m.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const correct = m.reduce((s, r, i) => s + r[i], 0);
  const byCount = input.colorBy === 'count';
  return {
    data: [{
      type: 'heatmap',
      x: labels,
      y: labels,
      z: byCount ? m.map((r) => [...r]) : share,
      zmin: 0,
      zmax: byCount ? undefined : 1,
      text,
      texttemplate: '%{text}',
      customdata: m.map((r) => [...r]),
      hovertemplate: 'true %{y}, predicted %{x}<br>count: %{customdata}<br>row share: %{z:.1%}<extra></extra>',
      // White (0) to mid blue (max), light enough for dark cell text everywhere
      // (plotly's named 'Blues' runs from dark to light).
      colorscale: [[0, '#f7fbff'], [0.35, '#c6dbef'], [0.7, '#6baed6'], [1, '#3a8ac4']],
      textfont: { color: '#111' },
      colorbar: { title: { text: byCount ? 'count' : 'row share' } },
    }],
    layout: {
      title: { text: input.title ?? `Confusion matrix (accuracy ${total ? ((correct / total) * 100).toFixed(1) : '0'}%, ${total} rows)` },
      xaxis: { title: { text: 'Predicted' }, type: 'category', side: 'bottom' },
      yaxis: { title: { text: 'True' }, type: 'category', autorange: 'reversed' },
      margin: { t: 60 },
    },
  };
}
