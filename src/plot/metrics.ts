import { lowerIsBetter } from '../model/metrics';

export { lowerIsBetter };

/** The three systems costs of a representation (Traffic Refinery §4). */
export type CostKind = 'state_bytes' | 'ns_per_packet' | 'storage_bytes_per_hour';

const COST_LABEL: Record<string, string> = {
  state_bytes: 'State (bytes)',
  ns_per_packet: 'Processing (ns per packet)',
  storage_bytes_per_hour: 'Storage (bytes per hour)',
};

/**
 * The column a figure plots when only the cost is named, in order of preference: state as
 * its median over bin ends, processing as the mean ns per packet (what a packet rate costs;
 * the median of the profiler's blocks hides work done on a minority of packets, such as TCP
 * tracking on mostly-QUIC traffic), storage in Parquet.
 */
export function costColumnSuffixes(cost: string): readonly string[] {
  return cost === 'ns_per_packet' ? ['mean', 'median'] : ['median', 'parquet', 'mean'];
}

/** Axis label of a cost column, e.g. `state_bytes_median` -> "State (bytes), median". */
export function costLabel(cost: string, column: string): string {
  const base = COST_LABEL[cost] ?? cost.replace(/_/g, ' ');
  const suffix = column.startsWith(`${cost}_`) ? column.slice(cost.length + 1).replace(/_/g, ' ') : '';
  return suffix ? `${base}, ${suffix}` : base;
}

const METRIC_LABEL: Record<string, string> = {
  accuracy: 'Accuracy',
  f1_macro: 'F1 (macro)',
  f1_weighted: 'F1 (weighted)',
  precision_macro: 'Precision (macro)',
  recall_macro: 'Recall (macro)',
  mae: 'MAE',
  rmse: 'RMSE',
  mse: 'MSE',
  r2: 'R²',
};

/** Axis label of a metric, noting the better direction for error metrics. */
export function metricLabel(metric: string): string {
  const base = METRIC_LABEL[metric] ?? metric.replace(/_/g, ' ');
  return lowerIsBetter(metric) ? `${base} (lower is better)` : base;
}
