import { SKIP_REASONS } from '../decode/decoder';

/** What a run saw: the summary printed by the CLI and returned by the library. */
export class RunStats {
  records = 0;
  packets = 0;
  bytes = 0;
  /** Packets of flows that belong to no configured service (no feature work done). */
  unservedPackets = 0;
  flows = 0;
  /** Flows evicted early because the flow table reached `FlowCache.MaxFlows`. */
  evictedForSpace = 0;
  /**
   * New flows refused because the table was full and no flow had been idle for
   * `FlowCache.EvictMinIdle` (their packets are not tracked; a refused flow's next packet
   * asks again and, if refused, counts again).
   */
  refusedFlows = 0;
  servedFlows = 0;
  sessions = 0;
  rows = 0;
  skipped = new Float64Array(SKIP_REASONS.length);
  firstTs = Infinity;
  lastTs = -Infinity;
  elapsedMs = 0;
  dnsResponses = 0;
  dnsLearned = 0;
  dnsErrors: Record<string, number> = {};
  captureIssues: Record<string, number> = {};
  linkTypes: Record<string, number> = {};

  skippedByReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < SKIP_REASONS.length; i++) if (this.skipped[i] > 0) out[SKIP_REASONS[i]] = this.skipped[i];
    return out;
  }

  add(o: RunStats): void {
    this.records += o.records; this.packets += o.packets; this.bytes += o.bytes;
    this.unservedPackets += o.unservedPackets; this.flows += o.flows; this.evictedForSpace += o.evictedForSpace; this.refusedFlows += o.refusedFlows; this.servedFlows += o.servedFlows;
    this.sessions += o.sessions; this.rows += o.rows; this.elapsedMs += o.elapsedMs;
    for (let i = 0; i < this.skipped.length; i++) this.skipped[i] += o.skipped[i];
    this.firstTs = Math.min(this.firstTs, o.firstTs); this.lastTs = Math.max(this.lastTs, o.lastTs);
    this.dnsResponses += o.dnsResponses; this.dnsLearned += o.dnsLearned;
    for (const [k, v] of Object.entries(o.dnsErrors)) this.dnsErrors[k] = (this.dnsErrors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(o.captureIssues)) this.captureIssues[k] = (this.captureIssues[k] ?? 0) + v;
    for (const [k, v] of Object.entries(o.linkTypes)) this.linkTypes[k] = (this.linkTypes[k] ?? 0) + v;
  }

  /** A plain object for JSON output and notebooks. */
  toJSON(): Record<string, unknown> {
    return {
      records: this.records, packets: this.packets, bytes: this.bytes, flows: this.flows, servedFlows: this.servedFlows,
      sessions: this.sessions, rows: this.rows, evictedForSpace: this.evictedForSpace, refusedFlows: this.refusedFlows, unservedPackets: this.unservedPackets,
      skipped: this.skippedByReason(), dnsResponses: this.dnsResponses, dnsLearned: this.dnsLearned, dnsErrors: this.dnsErrors,
      captureIssues: this.captureIssues, elapsedMs: this.elapsedMs,
      packetsPerSecond: this.elapsedMs > 0 ? this.records / (this.elapsedMs / 1000) : 0,
    };
  }
}

/** Rebuilds RunStats from its structured clone (e.g. sent back by a worker thread). */
export function runStatsFrom(o: RunStats): RunStats {
  return Object.assign(new RunStats(), o, { skipped: Float64Array.from(o.skipped) });
}
