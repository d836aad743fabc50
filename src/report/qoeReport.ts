import { accuracyVsCost, binSweep, confusionHeatmap, featureImportanceBars, stateOverTime } from '../plot/index';
import type { Figure } from '../plot/index';
import { writeReport, ReportSection } from './report';
import { recommend, SweepResult } from '../model/sweep';
import type { ProfileTables } from '../profile/profile';

export interface QoeReportInput {
  sweep: SweepResult;
  /** Profiler tables (state over time, class summary), when measured. */
  profile?: ProfileTables;
  title?: string;
  subtitle?: string;
  /** Tolerance for "the cheapest representation within X% of the best" (default 0.02). */
  tolerance?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The report researchers come for: accuracy (and startup-delay error) against state,
 * processing and storage cost for every representation and bin size, with the Pareto front,
 * the bin-size sweep, the confusion matrix and feature importance of the recommended
 * choice, state over time, and the tables behind every chart. Returns the index.html path.
 */
export function writeQoeReport(dir: string, input: QoeReportInput): string {
  const s = input.sweep;
  const tol = input.tolerance ?? 0.02;
  const rows = s.rows;
  const sections: ReportSection[] = [];
  const rec = recommend(s, { task: 'resolution', cost: 'state_bytes_median', tolerance: tol });
  const recStartup = recommend(s, { task: 'startup', cost: 'state_bytes_median', tolerance: tol });
  const lines: string[] = [];
  if (rec) {
    lines.push(`Resolution: the best is ${rec.best.representation} at ${rec.best.bin} s bins (accuracy ${pct(Number(rec.best.accuracy))}); ` +
      `the cheapest in state within ${pct(tol)} of it is ${rec.choice.representation} at ${rec.choice.bin} s (accuracy ${pct(Number(rec.choice.accuracy))}, ` +
      `${Math.round(Number(rec.choice.state_bytes_median)).toLocaleString('en-US')} bytes of state).`);
  }
  if (recStartup) {
    lines.push(`Startup delay: the best is ${recStartup.best.representation} at ${recStartup.best.bin} s bins (MAE ${Number(recStartup.best.mae).toFixed(2)} s); ` +
      `the cheapest within ${pct(tol)} is ${recStartup.choice.representation} at ${recStartup.choice.bin} s (MAE ${Number(recStartup.choice.mae).toFixed(2)} s).`);
  }
  const f = s.features;
  lines.push(`${f.labels.sessions.length} sessions, ${f.hours.toFixed(2)} hours of capture, ${f.table.length} session bins; ` +
    `features extracted in ${(f.elapsedMs / 1000).toFixed(1)} s, whole sweep ${(s.elapsedMs / 1000).toFixed(1)} s.`);
  sections.push({ heading: 'Recommendation', text: lines.join('\n\n') });

  const figs = (specs: [string, () => Figure][]): Figure[] => specs.flatMap(([, make]) => { try { return [make()]; } catch { return []; } });
  sections.push({
    heading: 'Resolution accuracy against cost',
    text: 'Each point is a representation at a bin size (session-grouped cross-validation). Lines join the Pareto front: nothing is both cheaper and more accurate.',
    figures: figs([
      ['state', () => accuracyVsCost(rows, { cost: 'state_bytes', metric: 'accuracy', task: 'resolution', traceBy: 'bin', title: 'Accuracy vs state (bytes held at bin end, median)' })],
      ['cpu', () => accuracyVsCost(rows, { cost: 'ns_per_packet', metric: 'accuracy', task: 'resolution', traceBy: 'bin', title: 'Accuracy vs processing (ns per packet, mean)' })],
      ['storage', () => accuracyVsCost(rows, { cost: 'storage_bytes_per_hour', metric: 'accuracy', task: 'resolution', traceBy: 'bin', title: 'Accuracy vs storage (Parquet bytes per hour)' })],
    ]),
  });
  sections.push({
    heading: 'Startup delay error against cost',
    figures: figs([
      ['mae', () => accuracyVsCost(rows, { cost: 'state_bytes', metric: 'mae', task: 'startup', traceBy: 'bin', title: 'Startup delay MAE (s) vs state' })],
    ]),
  });
  sections.push({
    heading: 'Bin size',
    text: 'The same representations at every bin size (the paper found 10 s best for startup delay, and the worst for resolution).',
    figures: figs([
      ['bins-acc', () => binSweep(rows, { metric: 'accuracy', task: 'resolution', title: 'Resolution accuracy vs bin size' })],
      ['bins-mae', () => binSweep(rows, { metric: 'mae', task: 'startup', title: 'Startup delay MAE (s) vs bin size' })],
    ]),
  });
  if (rec) {
    const cell = s.cells.find((c) => c.representation === rec.choice.representation && c.bin === rec.choice.bin && c.task === 'resolution');
    const detail: Figure[] = [];
    if (cell?.confusion) detail.push(confusionHeatmap({ labels: cell.confusion.labels.map((l) => `${l}p`), matrix: cell.confusion.matrix, title: `Confusion: ${cell.representation}, ${cell.bin} s bins` }));
    const imp = s.importance[String(rec.choice.representation)] ?? Object.values(s.importance)[0];
    if (imp) detail.push(featureImportanceBars(imp, { top: 20, title: 'Permutation importance (accuracy drop when shuffled)' }));
    if (detail.length) sections.push({ heading: 'The recommended representation', figures: detail });
  }
  if (input.profile) {
    // Each run's own class (or representation) only: a run's rows also list its parts and the flow table.
    const state = input.profile.state.rows.filter((r) => r.method === 'self' && r.feature_class === r.run);
    sections.push({
      heading: 'Systems cost per feature class',
      text: 'Each class alone over the same packets, then each representation; state from the classes\' own accounting, processing from calibrated blocks of addPacket calls.',
      figures: state.length ? figs([['state', () => stateOverTime(state, { classColumn: 'run', t: 't_rel', y: 'bytes', title: 'State over time (bytes)' })]]) : [],
      tables: [{ caption: 'Profile summary', rows: input.profile.summary.rows as unknown as Record<string, unknown>[],
        columns: ['feature_class', 'layer', 'features', 'state_bytes_median', 'state_bytes_peak', 'state_bytes_per_flow_median', 'ns_per_packet_mean', 'ns_per_packet_median', 'ns_per_packet_p99', 'storage_bytes_per_hour_csv', 'storage_bytes_per_hour_parquet'] }],
    });
  }
  sections.push({
    heading: 'All results',
    tables: [{ caption: 'One row per representation, bin size and task', rows: s.wide,
      columns: ['representation', 'bin', 'task', 'rows', 'sessions', 'features', 'accuracy', 'f1_macro', 'mae', 'rmse', 'state_bytes_median', 'ns_per_packet_mean', 'storage_bytes_per_hour_parquet', 'pareto_state_bytes_median'] }],
  });
  return writeReport(dir, { title: input.title ?? 'Traffic Refinery: accuracy against cost', subtitle: input.subtitle, sections });
}
