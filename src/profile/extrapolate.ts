/**
 * From measured costs to the resources a link needs: the projection the paper made by hand.
 *
 *   packets/s         pps      = linkGbps * 1e9 / (8 * meanPacketBytes)
 *   concurrent flows  F        = concurrentFlows, or flowArrivalsPerSecond * meanFlowSeconds (Little's law)
 *   memory (bytes)    M        = F * bytesPerFlow
 *   CPU (cores)       C        = pps * (nsPerPacket + sharedNsPerPacket) / 1e9 / utilization
 *   output (bytes/h)  S        = F * storageBytesPerHourPerFlow  (when the row gives output per flow)
 *
 * bytesPerFlow is the row's per-flow state at its peak instant (`state_bytes_per_flow_peak`,
 * or the median with `statistic: 'median'`); nsPerPacket is the row's mean time per
 * packet (`ns_per_packet_mean`, the figure that sets throughput; median or p99 on
 * request). `sharedNsPerPacket` adds the per-packet work every class shares (decode,
 * flow lookup) when the question is the whole collector rather than the class.
 * `utilization` (default 1) is the fraction of a core one may plan to use.
 */
export interface ExtrapolateOptions {
  linkGbps: number;
  meanPacketBytes: number;
  concurrentFlows?: number;
  flowArrivalsPerSecond?: number;
  meanFlowSeconds?: number;
  utilization?: number;
  sharedNsPerPacket?: number;
  statistic?: 'peak' | 'median' | 'mean' | 'p99';
}

/** The summary columns extrapolate reads (a row of `profile()`'s summary). */
export interface CostRow {
  feature_class?: string;
  state_bytes_per_flow_peak?: number;
  state_bytes_per_flow_median?: number;
  ns_per_packet_mean?: number;
  ns_per_packet_median?: number;
  ns_per_packet_p99?: number;
  storage_bytes_per_hour_per_flow_parquet?: number;
  [k: string]: unknown;
}

export interface Extrapolation {
  feature_class: string;
  link_gbps: number;
  mean_packet_bytes: number;
  packets_per_second: number;
  concurrent_flows: number;
  bytes_per_flow: number;
  ns_per_packet: number;
  memory_bytes: number;
  cores: number;
  storage_bytes_per_hour: number;
}

export function extrapolate(row: CostRow, o: ExtrapolateOptions): Extrapolation {
  if (!(o.linkGbps > 0) || !(o.meanPacketBytes > 0)) throw new Error('extrapolate: linkGbps and meanPacketBytes must be positive');
  const flows = o.concurrentFlows ?? (o.flowArrivalsPerSecond !== undefined && o.meanFlowSeconds !== undefined ? o.flowArrivalsPerSecond * o.meanFlowSeconds : NaN);
  if (!(flows >= 0)) throw new Error('extrapolate: give concurrentFlows, or flowArrivalsPerSecond and meanFlowSeconds');
  const utilization = o.utilization ?? 1;
  if (!(utilization > 0 && utilization <= 1)) throw new Error('extrapolate: utilization must be in (0, 1]');
  const stat = o.statistic ?? 'peak';
  const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
  const bytesPerFlow = num(stat === 'median' ? row.state_bytes_per_flow_median : row.state_bytes_per_flow_peak);
  const ns = num(stat === 'median' ? row.ns_per_packet_median : stat === 'p99' ? row.ns_per_packet_p99 : row.ns_per_packet_mean);
  const pps = (o.linkGbps * 1e9) / (8 * o.meanPacketBytes);
  return {
    feature_class: String(row.feature_class ?? ''),
    link_gbps: o.linkGbps,
    mean_packet_bytes: o.meanPacketBytes,
    packets_per_second: pps,
    concurrent_flows: flows,
    bytes_per_flow: bytesPerFlow,
    ns_per_packet: ns,
    memory_bytes: flows * bytesPerFlow,
    cores: (pps * (ns + (o.sharedNsPerPacket ?? 0))) / 1e9 / utilization,
    storage_bytes_per_hour: flows * num(row.storage_bytes_per_hour_per_flow_parquet),
  };
}
