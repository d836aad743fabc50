import type { Packet } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';
import { RUNNING_SLOTS, runningAdd, runningCollect, runningReset } from '../stats';

/** UDP payload above which an upstream datagram is a request (the original's QUIC header threshold). */
export const VIDEO_UDP_REQUEST_BYTES = 100;
/** Completed segments listed per unit and bin (for the median and the raw list); more are counted. */
export const DEFAULT_MAX_BIN_SEGMENTS = 4096;
const LAST_N = 10;

// Per-unit layout.
const REQ = 0, REQ_TOTAL = 1, DONE = 2, DONE_TOTAL = 3, CUM_BYTES = 4;
const SIZE = 5;                               // bin: completed segment sizes
const ALL = SIZE + RUNNING_SLOTS;             // all completed segments so far
const L10 = ALL + RUNNING_SLOTS;              // ring of the last 10 sizes
const L10_HEAD = L10 + LAST_N, L10_COUNT = L10_HEAD + 1;
const LAST_REQ = L10_COUNT + 1, LAST_DONE = LAST_REQ + 1; // NaN when none
const REQ_IAT = LAST_DONE + 1;
const DONE_IAT = REQ_IAT + RUNNING_SLOTS;
const DUR_SUM = DONE_IAT + RUNNING_SLOTS, DUR_N = DUR_SUM + 1, TPUT_SUM = DUR_N + 1, TPUT_N = TPUT_SUM + 1;
const OPEN = TPUT_N + 1, AWAITING = OPEN + 1, UNLISTED = AWAITING + 1;
const STRIDE = UNLISTED + 1;

// Fields of a listed segment.
const F_START = 0, F_LAST = 1, F_PKTS = 2, F_BYTES = 3, F_FLOW = 4, FIELDS = 5;

/** One completed segment, as `collectRaw` returns it (times in epoch seconds). */
export interface VideoSegmentRecord {
  tsStart: number;
  /** As in the original, the end of a segment is its last downstream packet. */
  tsEnd: number;
  lastPkt: number;
  downPkts: number;
  downBytes: number;
  flow: number;
}

function stats4(name: string, unit: string, what: string): ColumnSpec[] {
  return [
    { name: `${name}Mean`, unit, description: `mean ${what}` },
    { name: `${name}Std`, unit, description: `standard deviation of ${what}` },
    { name: `${name}Min`, unit, description: `smallest ${what}` },
    { name: `${name}Max`, unit, description: `largest ${what}` },
  ];
}

/**
 * Video segments inferred from traffic patterns (the original's VideoCounters): an
 * upstream packet with payload (TCP payload > 0, UDP payload > 100 bytes) closes the
 * flow's running segment when it has received downstream data, and opens a new one
 * whose start is the request time; downstream payload packets add to the running
 * segment's packets and bytes and set its last-packet time.
 *
 * The running segment is kept per flow (keyed by `p.flow`, also at session level);
 * completed segments aggregate per unit into the application features of Bronzino et
 * al. 2019: counts, sizes (bin, last 10, all so far), request and completion
 * inter-arrivals, durations, throughput and pending segments. Times are in ms. A
 * flow's last running segment is never completed (no request closes it): it shows in
 * `Pending`. Statistics without samples are NaN.
 */
export class VideoSegments implements FeatureClass {
  static readonly featureName = 'VideoSegments';
  static readonly layer = 'application' as const;
  static readonly description = 'Video segments inferred from request/response patterns (the original VideoCounters), with per-bin segment statistics.';
  static readonly columns: readonly ColumnSpec[] = [
    { name: 'Requests', unit: 'segments', description: 'segment requests (upstream packets with payload: TCP > 0, UDP > 100 bytes) in the bin' },
    { name: 'RequestsTotal', unit: 'segments', description: 'segment requests so far' },
    { name: 'Completed', unit: 'segments', description: 'segments completed in the bin (closed by the next request after receiving data)' },
    { name: 'CompletedTotal', unit: 'segments', description: 'segments completed so far' },
    ...stats4('Size', 'bytes', 'downstream payload bytes of the segments completed in the bin'),
    { name: 'SizeMedian', unit: 'bytes', description: 'median size of the segments completed in the bin' },
    ...stats4('Last10Size', 'bytes', 'size of the last 10 completed segments (as of the end of the bin)'),
    ...stats4('AllSize', 'bytes', 'size of all segments completed so far'),
    { name: 'CumBytes', unit: 'bytes', description: 'downstream payload bytes of all segments completed so far' },
    ...stats4('ReqIat', 'ms', 'time between successive segment requests of the unit (requests in the bin)'),
    ...stats4('DoneIat', 'ms', 'time between successive segment completions (last packets) of the unit, completions in the bin'),
    { name: 'DurationMean', unit: 'ms', description: 'mean download duration (last packet - request) of segments completed in the bin' },
    { name: 'ThroughputMean', unit: 'kbit/s', description: 'mean per-segment throughput (bytes * 8 / duration / 1000) of segments completed in the bin' },
    { name: 'Pending', unit: 'segments', description: 'running (requested, not yet closed) segments at the end of the bin' },
    { name: 'AwaitingResponse', unit: 'segments', description: 'running segments that have received no downstream data yet at the end of the bin' },
    { name: 'UnlistedSegments', unit: 'segments', description: 'completed segments of the bin beyond the list cap (maxBinSegments): in all statistics but the median and the raw list' },
  ];

  private readonly s = new UnitState(STRIDE);
  private readonly level: 'flow' | 'session';
  private readonly maxList: number;

  // Per flow: the running segment.
  private flowCap = 0;
  private segOpen = new Uint8Array(0);
  private segStart = new Float64Array(0);
  private segLast = new Float64Array(0);
  private segPkts = new Float64Array(0);
  private segBytes = new Float64Array(0);
  private unitOf = new Int32Array(0);

  // Per unit: segments completed in the current bin.
  private lists: (Float64Array | undefined)[] = [];
  private listLen = new Int32Array(0);
  private listBytes = 0;
  private readonly scratch = new Float64Array(256);

  constructor(ctx: FeatureContext) {
    this.level = ctx.level;
    const m = Number(ctx.options.maxBinSegments);
    this.maxList = m >= 1 ? Math.floor(m) : DEFAULT_MAX_BIN_SEGMENTS;
  }

  private ensureFlow(f: number): void {
    if (f < this.flowCap) return;
    let n = Math.max(256, this.flowCap * 2);
    while (n <= f) n *= 2;
    const u8 = new Uint8Array(n); u8.set(this.segOpen); this.segOpen = u8;
    const a = new Float64Array(n); a.set(this.segStart); this.segStart = a;
    const b = new Float64Array(n); b.set(this.segLast); this.segLast = b;
    const c = new Float64Array(n); c.set(this.segPkts); this.segPkts = c;
    const e = new Float64Array(n); e.set(this.segBytes); this.segBytes = e;
    const g = new Int32Array(n); g.set(this.unitOf); this.unitOf = g;
    this.flowCap = n;
  }

  private ensureUnit(unit: number): void {
    this.s.ensure(unit);
    if (unit >= this.listLen.length) {
      let n = Math.max(64, this.listLen.length * 2);
      while (n <= unit) n *= 2;
      const l = new Int32Array(n); l.set(this.listLen); this.listLen = l;
      this.lists.length = n;
    }
    const d = this.s.data, o = unit * STRIDE;
    runningReset(d, o + SIZE); runningReset(d, o + ALL);
    runningReset(d, o + REQ_IAT); runningReset(d, o + DONE_IAT);
    d[o + LAST_REQ] = NaN; d[o + LAST_DONE] = NaN;
    this.listLen[unit] = 0;
  }

  init(unit: number): void {
    this.ensureUnit(unit);
    if (this.level === 'flow') this.endFlow(unit);
  }

  addPacket(p: Packet, unit: number): void {
    const f = p.flow, len = p.payloadLen;
    if (f >= this.flowCap) this.ensureFlow(f);
    const d = this.s.data, u = unit * STRIDE;
    if (p.up) {
      const isReq = p.isTcp() ? len > 0 : p.isUdp() && len > VIDEO_UDP_REQUEST_BYTES;
      if (!isReq) return;
      if (this.segOpen[f] !== 0) {
        if (this.segPkts[f] > 0) this.complete(f, unit);
        else d[u + AWAITING]--;
        d[u + OPEN]--;
      }
      // A new segment starts at the request.
      const ts = p.ts;
      this.segOpen[f] = 1;
      this.segStart[f] = ts;
      this.segLast[f] = ts;
      this.segPkts[f] = 0;
      this.segBytes[f] = 0;
      this.unitOf[f] = unit;
      d[u + OPEN]++;
      d[u + AWAITING]++;
      d[u + REQ]++;
      d[u + REQ_TOTAL]++;
      const last = d[u + LAST_REQ];
      if (last === last) runningAdd(d, u + REQ_IAT, Math.abs(ts - last) * 1000);
      d[u + LAST_REQ] = ts;
    } else if (len > 0 && this.segOpen[f] !== 0) {
      // Data before the first request of a flow belongs to no segment (as in the original).
      if (this.segPkts[f] === 0) d[u + AWAITING]--;
      this.segPkts[f]++;
      this.segBytes[f] += len;
      if (p.ts > this.segLast[f]) this.segLast[f] = p.ts;
    }
  }

  private complete(f: number, unit: number): void {
    const d = this.s.data, u = unit * STRIDE;
    const start = this.segStart[f], lastPkt = this.segLast[f], bytes = this.segBytes[f];
    d[u + DONE]++;
    d[u + DONE_TOTAL]++;
    d[u + CUM_BYTES] += bytes;
    runningAdd(d, u + SIZE, bytes);
    runningAdd(d, u + ALL, bytes);
    const h = d[u + L10_HEAD];
    d[u + L10 + h] = bytes;
    d[u + L10_HEAD] = (h + 1) % LAST_N;
    if (d[u + L10_COUNT] < LAST_N) d[u + L10_COUNT]++;
    const lastDone = d[u + LAST_DONE];
    if (lastDone === lastDone) runningAdd(d, u + DONE_IAT, Math.abs(lastPkt - lastDone) * 1000);
    d[u + LAST_DONE] = lastPkt;
    const dur = lastPkt - start;
    d[u + DUR_SUM] += dur * 1000;
    d[u + DUR_N]++;
    if (dur > 0) { d[u + TPUT_SUM] += (bytes * 8) / dur / 1000; d[u + TPUT_N]++; }
    // List it for the median and the raw output.
    const n = this.listLen[unit];
    if (n >= this.maxList) { d[u + UNLISTED]++; return; }
    let list = this.lists[unit];
    if (list === undefined || (n + 1) * FIELDS > list.length) {
      const cap = Math.min(this.maxList, Math.max(8, n * 2));
      const grown = new Float64Array(cap * FIELDS);
      if (list !== undefined) { grown.set(list); this.listBytes -= list.byteLength; }
      this.listBytes += grown.byteLength;
      this.lists[unit] = list = grown;
    }
    const o = n * FIELDS;
    list[o + F_START] = start;
    list[o + F_LAST] = lastPkt;
    list[o + F_PKTS] = this.segPkts[f];
    list[o + F_BYTES] = bytes;
    list[o + F_FLOW] = f;
    this.listLen[unit] = n + 1;
  }

  collect(unit: number, _bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, u = unit * STRIDE;
    out[k] = d[u + REQ];
    out[k + 1] = d[u + REQ_TOTAL];
    out[k + 2] = d[u + DONE];
    out[k + 3] = d[u + DONE_TOTAL];
    runningCollect(d, u + SIZE, out, k + 4);
    out[k + 8] = this.median(unit);
    // Last 10 completed segments.
    const c = d[u + L10_COUNT];
    if (c === 0) {
      out[k + 9] = NaN; out[k + 10] = NaN; out[k + 11] = NaN; out[k + 12] = NaN;
    } else {
      let sum = 0, min = Infinity, max = -Infinity;
      for (let i = 0; i < c; i++) { const x = d[u + L10 + i]; sum += x; if (x < min) min = x; if (x > max) max = x; }
      const mean = sum / c;
      let ss = 0;
      for (let i = 0; i < c; i++) { const x = d[u + L10 + i] - mean; ss += x * x; }
      out[k + 9] = mean; out[k + 10] = Math.sqrt(ss / c); out[k + 11] = min; out[k + 12] = max;
    }
    runningCollect(d, u + ALL, out, k + 13);
    out[k + 17] = d[u + CUM_BYTES];
    runningCollect(d, u + REQ_IAT, out, k + 18);
    runningCollect(d, u + DONE_IAT, out, k + 22);
    out[k + 26] = d[u + DUR_N] > 0 ? d[u + DUR_SUM] / d[u + DUR_N] : NaN;
    out[k + 27] = d[u + TPUT_N] > 0 ? d[u + TPUT_SUM] / d[u + TPUT_N] : NaN;
    out[k + 28] = d[u + OPEN];
    out[k + 29] = d[u + AWAITING];
    out[k + 30] = d[u + UNLISTED];
  }

  private median(unit: number): number {
    const n = this.listLen[unit], list = this.lists[unit];
    if (n === 0 || list === undefined) return NaN;
    // A kept scratch for usual bins; a larger bin gets a temporary one (collect time only).
    const a = n <= this.scratch.length ? this.scratch : new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = list[i * FIELDS + F_BYTES];
    const v = a.subarray(0, n).sort();
    return n & 1 ? v[n >> 1] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  collectRaw(unit: number): VideoSegmentRecord[] {
    const n = this.listLen[unit], list = this.lists[unit];
    const out: VideoSegmentRecord[] = [];
    if (list === undefined) return out;
    for (let i = 0; i < n; i++) {
      const o = i * FIELDS;
      out.push({ tsStart: list[o + F_START], tsEnd: list[o + F_LAST], lastPkt: list[o + F_LAST], downPkts: list[o + F_PKTS], downBytes: list[o + F_BYTES], flow: list[o + F_FLOW] });
    }
    return out;
  }

  reset(unit: number): void {
    const d = this.s.data, u = unit * STRIDE;
    d[u + REQ] = 0; d[u + DONE] = 0; d[u + UNLISTED] = 0;
    d[u + DUR_SUM] = 0; d[u + DUR_N] = 0; d[u + TPUT_SUM] = 0; d[u + TPUT_N] = 0;
    runningReset(d, u + SIZE); runningReset(d, u + REQ_IAT); runningReset(d, u + DONE_IAT);
    // Give back list room a burst left behind (collect time, not the packet path).
    const list = this.lists[unit];
    if (list !== undefined && list.length > 64 * FIELDS && this.listLen[unit] * 4 * FIELDS < list.length) {
      const smaller = new Float64Array(Math.max(64, this.listLen[unit] * 2) * FIELDS);
      this.listBytes += smaller.byteLength - list.byteLength;
      this.lists[unit] = smaller;
    }
    this.listLen[unit] = 0;
  }

  release(unit: number): void {
    this.s.fill(unit, 0);
    if (unit < this.listLen.length) {
      const list = this.lists[unit];
      if (list !== undefined) { this.listBytes -= list.byteLength; this.lists[unit] = undefined; }
      this.listLen[unit] = 0;
    }
    if (this.level === 'flow') this.endFlow(unit);
  }

  /** Drops a flow's running segment (it is never completed: no request closed it). */
  private endFlow(f: number): void {
    if (f >= this.flowCap) return;
    if (this.segOpen[f] !== 0 && this.level === 'session') {
      const d = this.s.data, u = this.unitOf[f] * STRIDE;
      d[u + OPEN]--;
      if (this.segPkts[f] === 0) d[u + AWAITING]--;
    }
    this.segOpen[f] = 0; this.segStart[f] = 0; this.segLast[f] = 0; this.segPkts[f] = 0; this.segBytes[f] = 0;
  }

  flowEnded(flow: number): void { this.endFlow(flow); }

  stateBytes(): number {
    return this.s.bytes() + this.segOpen.byteLength + this.segStart.byteLength + this.segLast.byteLength
      + this.segPkts.byteLength + this.segBytes.byteLength + this.unitOf.byteLength
      + this.listLen.byteLength + this.lists.length * 8 + this.listBytes + this.scratch.byteLength;
  }
}
