import type { Row } from '../../src/plot/index';

/** Hand-made sweep: 3 representations x 3 bins, one task. */
export function sweepRows(): Row[] {
  const reps: [string, number, number, number][] = [
    // representation, state bytes, ns per packet, accuracy offset
    ['network', 64, 40, 0.55],
    ['network+app', 120, 90, 0.72],
    ['all', 9000, 900, 0.74],
  ];
  const rows: Row[] = [];
  for (const [rep, state, ns, acc] of reps) {
    for (const bin of [2, 10, 30]) {
      const a = acc - (bin === 10 ? 0 : 0.03) + (bin === 2 ? 0.01 : 0);
      rows.push({ representation: rep, bin, task: 'resolution', metric: 'accuracy', value: a, state_bytes_median: state * (1 + bin / 100), ns_per_packet_median: ns, storage_bytes_per_hour_parquet: 1e5 * (60 / bin) });
      rows.push({ representation: rep, bin, task: 'resolution', metric: 'f1_macro', value: a - 0.1, state_bytes_median: state * (1 + bin / 100), ns_per_packet_median: ns, storage_bytes_per_hour_parquet: 1e5 * (60 / bin) });
      rows.push({ representation: rep, bin, task: 'startup', metric: 'mae', value: 2 - a, state_bytes_median: state * (1 + bin / 100), ns_per_packet_median: ns, storage_bytes_per_hour_parquet: 1e5 * (60 / bin) });
    }
  }
  return rows;
}
