import type { RunStats } from '../pipeline/stats';
import type { CaptureError } from '../capture/errors';
import type { CaptureIssue } from '../capture/batch';
import type { ParallelTiming } from '../pipeline/parallel';

/** Renders rows as an aligned text table for the terminal. */
export function textTable(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : '') : String(v ?? ''));
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (vals: string[]) => vals.map((v, j) => (/^-?[\d.e+-]+$/.test(v) ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function humanBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

/** The end-of-run summary: packets, bytes, flows, skipped by reason, speed, problems. */
export function summaryText(stats: RunStats, errors: CaptureError[] = [], issues: CaptureIssue[] = [], parallel?: ParallelTiming): string {
  const s = stats.toJSON() as Record<string, unknown>;
  const pps = stats.elapsedMs > 0 ? stats.records / (stats.elapsedMs / 1000) / 1e6 : 0;
  const lines = [
    `records ${stats.records}, IP packets ${stats.packets}, ${humanBytes(stats.bytes)} on the wire`,
    `flows ${stats.flows} (${stats.servedFlows} of configured services), sessions ${stats.sessions}, rows ${stats.rows}`,
    `packets of no configured service (no feature work): ${stats.unservedPackets}`,
    `time ${(stats.elapsedMs / 1000).toFixed(2)} s, ${pps.toFixed(2)} M packets/s`,
  ];
  if (parallel) {
    lines.push(`split over ${parallel.workerMs.length} workers: packets with feature work ${parallel.packetsPerWorker.join(' / ')}, ` +
      `rows ${parallel.rowsPerWorker.join(' / ')}, worker time ${parallel.workerMs.map((m) => (m / 1000).toFixed(2)).join(' / ')} s (waiting ${parallel.waitMs.map((m) => (m / 1000).toFixed(2)).join(' / ')} s), merge ${(parallel.mergeMs / 1000).toFixed(2)} s`);
  }
  if (stats.evictedForSpace || stats.refusedFlows) lines.push(`flow table full (FlowCache.MaxFlows): ${stats.evictedForSpace} flows evicted early, ${stats.refusedFlows} new flows refused`);
  const skipped = s.skipped as Record<string, number>;
  if (Object.keys(skipped).length) lines.push(`skipped: ${Object.entries(skipped).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (stats.dnsResponses) lines.push(`DNS responses ${stats.dnsResponses}, addresses learned ${stats.dnsLearned}` +
    (Object.keys(stats.dnsErrors).length ? `, malformed: ${Object.entries(stats.dnsErrors).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''));
  if (Object.keys(stats.captureIssues).length) lines.push(`capture issues: ${Object.entries(stats.captureIssues).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const i of issues) lines.push(`  ${i.file} @${i.offset}: ${i.message}`);
  for (const e of errors) lines.push(`error: ${e.message}`);
  return lines.join('\n');
}
