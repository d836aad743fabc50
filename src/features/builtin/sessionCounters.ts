import type { Packet } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';

const UP = 0, DW = 1, OTHER_UP = 2, OTHER_DW = 3, STRIDE = 4;
// Flow level: one more number per unit, whether the flow carried a packet in the bin.
const SEEN = 4, FLOW_STRIDE = 5;
// Per-unit list of flows active in the bin: flow id, first and last packet time.
const E_FLOW = 0, E_FIRST = 1, E_LAST = 2, E_FIELDS = 3;

/**
 * Session-wide features of a client x service unit, per bin: throughput of the
 * service's flows, parallel flows and the up/down byte ratio (Bronzino et al. 2019's
 * "video-service throughput" and "number of parallel flows"). Meaningful at session
 * level; at flow level it describes that one flow.
 *
 * `OtherKbpsUp/Dw` (the same client's traffic outside the service) need packets of
 * other flows: the pipeline feeds them through `addOtherPacket`; until it does, those
 * columns are NaN.
 */
export class SessionCounters implements FeatureClass {
  static readonly featureName = 'SessionCounters';
  static readonly layer = 'session' as const;
  static readonly description = 'Per session and bin: service throughput, parallel flows, up/down byte ratio, and the client\'s other traffic.';
  static readonly columns: readonly ColumnSpec[] = [
    { name: 'KbpsUp', unit: 'kbit/s', description: 'upstream throughput of the service\'s flows of the session: IP bytes / (bin * 128)' },
    { name: 'KbpsDw', unit: 'kbit/s', description: 'downstream throughput of the service\'s flows of the session: IP bytes / (bin * 128)' },
    { name: 'ActiveFlows', unit: 'flows', description: 'flows of the session that carried packets in the bin' },
    { name: 'MaxParallelFlows', unit: 'flows', description: 'largest number of flows active at the same time in the bin (a flow is active from its first to its last packet of the bin)' },
    { name: 'UpDownByteRatio', unit: 'ratio', description: 'upstream IP bytes / downstream IP bytes in the bin (NaN without downstream bytes)' },
    { name: 'OtherKbpsUp', unit: 'kbit/s', description: 'upstream throughput of the same client\'s traffic outside the service (NaN until the pipeline feeds it)' },
    { name: 'OtherKbpsDw', unit: 'kbit/s', description: 'downstream throughput of the same client\'s traffic outside the service (NaN until the pipeline feeds it)' },
  ];

  private readonly s: UnitState;
  private readonly stride: number;
  /**
   * Flow level: a unit is one flow, so the per-bin flow lists (and their cache misses, ~10 ns
   * a packet) are skipped: active and parallel flows are 1 when the flow spoke in the bin.
   */
  private readonly flowLevel: boolean;
  /** Set once the pipeline has fed any packet of other traffic. */
  private otherFed = false;

  // Per flow: its entry in its unit's list (index + 1, 0 = none) and that unit.
  private flowCap = 0;
  private slot = new Int32Array(0);
  private slotUnit = new Int32Array(0);
  // Per unit: entries of the bin.
  private entries: (Float64Array | undefined)[] = [];
  private entryCount = new Int32Array(0);
  private entryBytes = 0;
  private readonly sweepA: Float64Array;
  private readonly sweepB: Float64Array;

  constructor(ctx: FeatureContext) {
    this.flowLevel = ctx.level === 'flow';
    this.stride = this.flowLevel ? FLOW_STRIDE : STRIDE;
    this.s = new UnitState(this.stride);
    this.sweepA = new Float64Array(this.flowLevel ? 0 : 64);
    this.sweepB = new Float64Array(this.flowLevel ? 0 : 64);
  }

  private ensureFlow(f: number): void {
    if (f < this.flowCap) return;
    let n = Math.max(256, this.flowCap * 2);
    while (n <= f) n *= 2;
    const a = new Int32Array(n); a.set(this.slot); this.slot = a;
    const b = new Int32Array(n); b.set(this.slotUnit); this.slotUnit = b;
    this.flowCap = n;
  }

  init(unit: number): void {
    this.s.ensure(unit);
    if (this.flowLevel) return;
    if (unit >= this.entryCount.length) {
      let n = Math.max(64, this.entryCount.length * 2);
      while (n <= unit) n *= 2;
      const c = new Int32Array(n); c.set(this.entryCount); this.entryCount = c;
      this.entries.length = n;
    }
    this.entryCount[unit] = 0;
  }

  addPacket(p: Packet, unit: number): void {
    const d = this.s.data, u = unit * this.stride;
    if (p.up) d[u + UP] += p.ipLen; else d[u + DW] += p.ipLen;
    if (this.flowLevel) { d[u + SEEN] = 1; return; }
    const f = p.flow, ts = p.ts;
    if (f >= this.flowCap) this.ensureFlow(f);
    const s = this.slot[f];
    if (s !== 0 && this.slotUnit[f] === unit) {
      const list = this.entries[unit]!, o = (s - 1) * E_FIELDS;
      if (ts > list[o + E_LAST]) list[o + E_LAST] = ts;
      if (ts < list[o + E_FIRST]) list[o + E_FIRST] = ts;
      return;
    }
    // First packet of this flow in the bin.
    const n = this.entryCount[unit];
    let list = this.entries[unit];
    if (list === undefined || (n + 1) * E_FIELDS > list.length) {
      const grown = new Float64Array(Math.max(4, n * 2) * E_FIELDS);
      if (list !== undefined) { grown.set(list); this.entryBytes -= list.byteLength; }
      this.entryBytes += grown.byteLength;
      this.entries[unit] = list = grown;
    }
    const o = n * E_FIELDS;
    list[o + E_FLOW] = f; list[o + E_FIRST] = ts; list[o + E_LAST] = ts;
    this.entryCount[unit] = n + 1;
    this.slot[f] = n + 1;
    this.slotUnit[f] = unit;
  }

  /**
   * A packet of the same client outside the service (or of no service). The caller
   * must already have closed the unit's bin if the packet falls after it, as it does
   * for the service's own packets.
   */
  addOtherPacket(p: Packet, unit: number): void {
    this.otherFed = true;
    const d = this.s.data, u = unit * this.stride;
    if (p.up) d[u + OTHER_UP] += p.ipLen; else d[u + OTHER_DW] += p.ipLen;
  }

  collect(unit: number, bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, u = unit * this.stride;
    out[k] = d[u + UP] / (bin * 128);
    out[k + 1] = d[u + DW] / (bin * 128);
    const n = this.flowLevel ? d[u + SEEN] : this.entryCount[unit];
    out[k + 2] = n;
    out[k + 3] = this.flowLevel ? n : this.maxParallel(unit, n);
    out[k + 4] = d[u + DW] > 0 ? d[u + UP] / d[u + DW] : NaN;
    out[k + 5] = this.otherFed ? d[u + OTHER_UP] / (bin * 128) : NaN;
    out[k + 6] = this.otherFed ? d[u + OTHER_DW] / (bin * 128) : NaN;
  }

  /** Largest overlap of the flows' [first, last] intervals (closed: touching counts). */
  private maxParallel(unit: number, n: number): number {
    if (n <= 1) return n;
    const list = this.entries[unit]!;
    // Kept scratch for usual sessions; more flows get temporary arrays (collect time only).
    const big = n > this.sweepA.length;
    const starts = big ? new Float64Array(n) : this.sweepA, ends = big ? new Float64Array(n) : this.sweepB;
    for (let i = 0; i < n; i++) { starts[i] = list[i * E_FIELDS + E_FIRST]; ends[i] = list[i * E_FIELDS + E_LAST]; }
    const a = starts.subarray(0, n).sort(), b = ends.subarray(0, n).sort();
    let i = 0, j = 0, cur = 0, best = 0;
    while (i < n) {
      if (a[i] <= b[j]) { cur++; i++; if (cur > best) best = cur; } else { cur--; j++; }
    }
    return best;
  }

  reset(unit: number): void {
    this.s.fill(unit, 0);
    if (!this.flowLevel) this.clearEntries(unit);
  }

  private clearEntries(unit: number): void {
    const n = this.entryCount[unit], list = this.entries[unit];
    if (list !== undefined) {
      for (let i = 0; i < n; i++) {
        const f = list[i * E_FIELDS + E_FLOW];
        if (this.slot[f] === i + 1 && this.slotUnit[f] === unit) this.slot[f] = 0;
      }
    }
    this.entryCount[unit] = 0;
  }

  release(unit: number): void {
    this.s.fill(unit, 0);
    if (!this.flowLevel && unit < this.entryCount.length) {
      this.clearEntries(unit);
      const list = this.entries[unit];
      if (list !== undefined) { this.entryBytes -= list.byteLength; this.entries[unit] = undefined; }
    }
  }

  /** The flow's entry stays in its unit's bin (its activity counts); its id may be reused. */
  flowEnded(flow: number): void {
    if (flow < this.flowCap) this.slot[flow] = 0;
  }

  stateBytes(): number {
    return this.s.bytes() + this.slot.byteLength + this.slotUnit.byteLength + this.entryCount.byteLength
      + this.entries.length * 8 + this.entryBytes + this.sweepA.byteLength + this.sweepB.byteLength;
  }
}
