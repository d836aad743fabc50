import type { Packet } from '../../decode/packet';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../decode/packet';

/**
 * TCP sequence tracking shared by TCPCounters and LatencyCounters: outstanding
 * (sent, not yet acknowledged) segments per flow direction, ACK matching for RTT
 * (Karn's rule), retransmission and out-of-order detection, window scaling and bytes
 * in flight. All sequence arithmetic is modulo 2^32.
 *
 * State is keyed by flow id (`p.flow`), so it works the same at flow and at session
 * level; the owner must call `clearFlow(flow)` when a flow ends.
 */

/** Signed difference a - b of two 32-bit sequence numbers (modulo 2^32). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Largest plausible distance between outstanding sequence numbers (the largest TCP window). */
export const SEQ_SPAN = 1 << 30;

/** RFC 7323: shifts above 14 are invalid; they are clamped to 14 (and counted). */
export const MAX_WSCALE = 14;

/** Default cap of outstanding segments per flow direction. */
export const DEFAULT_MAX_OUTSTANDING = 4096;

const INITIAL_RING = 16;

/**
 * Outstanding segments of one flow direction, sorted by their end (seq + len), in a
 * power-of-two ring: new data is appended at the tail, cumulative ACKs pop from the
 * head, lookups are binary searches. Out-of-order inserts shift the tail (bounded by
 * the cap).
 */
export class SeqRing {
  end: Uint32Array;
  ts: Float64Array;
  retx: Uint8Array;
  head = 0;
  count = 0;
  mask: number;

  constructor(capacity = INITIAL_RING) {
    this.end = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.retx = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number { return this.mask + 1; }

  bytes(): number { return this.end.byteLength + this.ts.byteLength + this.retx.byteLength; }

  /** Physical slot of logical index i (0 = oldest = lowest end). */
  at(i: number): number { return (this.head + i) & this.mask; }

  /** First logical index whose end is >= e (in sequence order), or count. */
  lowerBound(e: number): number {
    let lo = 0, hi = this.count;
    // Fast path: appending in order.
    if (hi > 0 && seqDiff(this.end[this.at(hi - 1)], e) < 0) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqDiff(this.end[this.at(mid)], e) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Doubles the capacity (never above `limit`, a power of two). */
  grow(limit: number): void {
    const cap = Math.min(this.capacity * 2, limit);
    const end = new Uint32Array(cap), ts = new Float64Array(cap), retx = new Uint8Array(cap);
    for (let i = 0; i < this.count; i++) {
      const s = this.at(i);
      end[i] = this.end[s]; ts[i] = this.ts[s]; retx[i] = this.retx[s];
    }
    this.end = end; this.ts = ts; this.retx = retx;
    this.head = 0;
    this.mask = cap - 1;
  }

  /** Inserts at logical index i (requires count < capacity). */
  insert(i: number, e: number, t: number): void {
    const m = this.mask;
    for (let j = this.count; j > i; j--) {
      const to = (this.head + j) & m, from = (this.head + j - 1) & m;
      this.end[to] = this.end[from]; this.ts[to] = this.ts[from]; this.retx[to] = this.retx[from];
    }
    const s = (this.head + i) & m;
    this.end[s] = e; this.ts[s] = t; this.retx[s] = 0;
    this.count++;
  }

  dropHead(): void {
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** Send time of the segment matched by the last `ackUpTo`, NaN when none. */
  matchedTs = NaN;

  /**
   * A cumulative ACK `a` arrived: removes every segment whose end is <= a and sets
   * `matchedTs` to the send time of the segment ending exactly at a when it was not
   * retransmitted (Karn), NaN otherwise. (A field, not a return value: returning a
   * double from a call that is not inlined would allocate a heap number per ACK.)
   */
  ackUpTo(a: number): void {
    let sent = NaN;
    while (this.count > 0) {
      const h = this.head;
      const d = seqDiff(this.end[h], a);
      if (d > 0) break;
      if (d === 0 && this.retx[h] === 0) sent = this.ts[h];
      this.head = (h + 1) & this.mask;
      this.count--;
    }
    this.matchedTs = sent;
  }
}

// Per flow-direction flags (0 = fresh state).
const HAS_SEQ = 1, HAS_ACK = 2, WS = 4, SYN_SEEN = 8, HAS_RTT = 16;

function pow2AtLeast(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/**
 * Per-flow TCP tracker. `track(p)` updates the flow's state with one TCP packet and
 * leaves what it learnt in the public result fields (no allocation): read them right
 * after the call.
 */
export class TcpTracker {
  readonly maxOutstanding: number;
  private readonly ringLimit: number;
  // Index: flow * 2 + dir (dir 0 = upstream data, 1 = downstream data).
  private seqMax = new Uint32Array(0);
  /** Highest ACK received from the other side for this direction's data. */
  private ackMax = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private wscale = new Uint8Array(0);
  private lastRtt = new Float64Array(0);
  private rings: (SeqRing | undefined)[] = [];
  private flowCap = 0;
  private ringBytes = 0;

  // Results of the last track() call.
  /** Direction of the packet: 0 upstream, 1 downstream. */
  dir = 0;
  /** The packet was a retransmission of outstanding data (payload segments only). */
  retrans = false;
  /** The packet's payload starts below the highest seq+len seen and is not a retransmission. */
  outOfOrder = false;
  /** Receive window advertised by the packet's sender, scaled when the handshake negotiated it. */
  window = 0;
  /** Bytes in flight in the packet's direction after it (NaN unless it carries payload and an ACK was seen). */
  inFlight = NaN;
  /** RTT sample (seconds) obtained from this packet's ACK, for data of direction `rttDir`; NaN if none. */
  rtt = NaN;
  rttDir = 0;
  /** |RTT - previous RTT| of the same flow direction (seconds), NaN if none. */
  jitter = NaN;
  /** Outstanding segments discarded unacknowledged by this packet (cap reached, sequence jump). */
  dropped = 0;
  /** The packet carried a window scale above 14 (clamped). */
  badWscale = false;

  constructor(maxOutstanding = DEFAULT_MAX_OUTSTANDING) {
    const m = Math.floor(Number(maxOutstanding));
    this.maxOutstanding = m >= 1 ? Math.min(m, 1 << 24) : DEFAULT_MAX_OUTSTANDING;
    this.ringLimit = pow2AtLeast(this.maxOutstanding);
  }

  /** Reads `maxOutstanding` from a class's options (falls back to the default). */
  static fromOptions(options: Readonly<Record<string, unknown>>): TcpTracker {
    const v = options.maxOutstanding;
    return new TcpTracker(typeof v === 'number' ? v : DEFAULT_MAX_OUTSTANDING);
  }

  private ensureFlow(flow: number): void {
    if (flow < this.flowCap) return;
    let cap = Math.max(256, this.flowCap * 2);
    while (cap <= flow) cap *= 2;
    const n = cap * 2;
    const seqMax = new Uint32Array(n); seqMax.set(this.seqMax); this.seqMax = seqMax;
    const ackMax = new Uint32Array(n); ackMax.set(this.ackMax); this.ackMax = ackMax;
    const flags = new Uint8Array(n); flags.set(this.flags); this.flags = flags;
    const ws = new Uint8Array(n); ws.set(this.wscale); this.wscale = ws;
    const lr = new Float64Array(n); lr.set(this.lastRtt); this.lastRtt = lr;
    this.rings.length = n;
    this.flowCap = cap;
  }

  /** Updates the flow of `p` (a TCP packet) and fills the result fields. */
  track(p: Packet): void {
    const f = p.flow, d = p.up ? 0 : 1, i = f * 2 + d, o = f * 2 + (1 - d);
    this.ensureFlow(f);
    const flags = this.flags;
    this.dir = d;
    this.retrans = false; this.outOfOrder = false; this.inFlight = NaN;
    this.rtt = NaN; this.jitter = NaN; this.dropped = 0; this.badWscale = false;
    const fl = p.tcpFlags, syn = (fl & TCP_SYN) !== 0, len = p.payloadLen, ts = p.ts;

    // Handshake: window scale of each side, from its SYN.
    if (syn) {
      flags[i] |= SYN_SEEN;
      if (p.tcpWscale >= 0) {
        let ws = p.tcpWscale;
        if (ws > MAX_WSCALE) { ws = MAX_WSCALE; this.badWscale = true; }
        this.wscale[i] = ws;
        flags[i] |= WS;
      }
    }
    // The window of a SYN is never scaled (RFC 7323); scaling applies once both SYNs offered it.
    this.window = !syn && (flags[i] & WS) !== 0 && (flags[o] & WS) !== 0 ? p.window * (1 << this.wscale[i]) : p.window;

    // This packet's ACK acknowledges the other direction's data.
    if ((fl & TCP_ACK) !== 0) {
      const a = p.ack >>> 0;
      if ((flags[o] & HAS_ACK) === 0 || seqDiff(a, this.ackMax[o]) > 0) { this.ackMax[o] = a; flags[o] |= HAS_ACK; }
      const ring = this.rings[o];
      if (ring !== undefined && ring.count > 0) {
        ring.ackUpTo(a);
        const rtt = ts - ring.matchedTs;
        if (rtt >= 0) {
          this.rtt = rtt;
          this.rttDir = 1 - d;
          if ((flags[o] & HAS_RTT) !== 0) this.jitter = Math.abs(rtt - this.lastRtt[o]);
          this.lastRtt[o] = rtt;
          flags[o] |= HAS_RTT;
        }
      }
    }

    if ((fl & TCP_RST) !== 0) return; // a reset's sequence number says nothing about data
    const seq = p.seq >>> 0;
    const consumed = len + (syn ? 1 : 0) + ((fl & TCP_FIN) !== 0 ? 1 : 0);
    const end = (seq + consumed) >>> 0;
    const hadSeq = (flags[i] & HAS_SEQ) !== 0;
    if (consumed > 0) {
      let ring = this.rings[i];
      if (ring === undefined) {
        ring = new SeqRing(Math.min(INITIAL_RING, this.ringLimit));
        this.rings[i] = ring;
        this.ringBytes += ring.bytes();
      }
      // A jump of more than the largest window: the old outstanding data cannot be matched any more.
      if (ring.count > 0 && Math.abs(seqDiff(end, ring.end[ring.at(ring.count - 1)])) > SEQ_SPAN) {
        this.dropped += ring.count;
        ring.count = 0;
      }
      const k = ring.lowerBound(end);
      if (k < ring.count && ring.end[ring.at(k)] === end) {
        // Seen and not yet acknowledged: a retransmission; Karn: no RTT from it.
        ring.retx[ring.at(k)] = 1;
        if (len > 0) this.retrans = true;
      } else {
        if (len > 0 && hadSeq && seqDiff(seq, this.seqMax[i]) < 0) this.outOfOrder = true;
        const acked = (flags[i] & HAS_ACK) !== 0 && seqDiff(end, this.ackMax[i]) <= 0;
        if (!acked) this.store(ring, k, end, ts);
      }
    }
    if (!hadSeq || seqDiff(end, this.seqMax[i]) > 0) { this.seqMax[i] = end; flags[i] |= HAS_SEQ; }
    if (len > 0 && (flags[i] & HAS_ACK) !== 0) {
      const inf = seqDiff(this.seqMax[i], this.ackMax[i]);
      if (inf >= 0) this.inFlight = inf;
    }
  }

  private store(ring: SeqRing, k: number, end: number, ts: number): void {
    if (ring.count >= this.maxOutstanding) {
      // At the cap: the oldest outstanding segment is forgotten (or the new one, if older still).
      this.dropped++;
      if (k === 0) return;
      ring.dropHead();
      k--;
    }
    if (ring.count === ring.capacity) {
      this.ringBytes -= ring.bytes();
      ring.grow(this.ringLimit);
      this.ringBytes += ring.bytes();
    }
    ring.insert(k, end, ts);
  }

  /** Outstanding segments of a flow direction (tests, diagnostics). */
  outstanding(flow: number, dir: number): number {
    return this.rings[flow * 2 + dir]?.count ?? 0;
  }

  /** Drops everything known about a flow (its id may be reused by a new flow). */
  clearFlow(flow: number): void {
    if (flow >= this.flowCap) return;
    for (let d = 0; d < 2; d++) {
      const i = flow * 2 + d;
      const ring = this.rings[i];
      if (ring !== undefined) { this.ringBytes -= ring.bytes(); this.rings[i] = undefined; }
      this.seqMax[i] = 0; this.ackMax[i] = 0; this.flags[i] = 0; this.wscale[i] = 0; this.lastRtt[i] = 0;
    }
  }

  /** Bytes held: per-flow arrays plus the capacity of every outstanding-segment ring. */
  bytes(): number {
    return this.seqMax.byteLength + this.ackMax.byteLength + this.flags.byteLength + this.wscale.byteLength
      + this.lastRtt.byteLength + this.rings.length * 8 + this.ringBytes;
  }
}
