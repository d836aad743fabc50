import type { Packet } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';
import { RUNNING_SLOTS, runningAdd, runningCollect, runningReset } from '../stats';
import { TcpTracker } from './tcpTrack';

// Per unit: per direction RTT and jitter running stats; the UDP gap stats; drops.
const RTT = 0, JIT = RUNNING_SLOTS, DIR = 2 * RUNNING_SLOTS;
const GAP = 2 * DIR, DROPPED = GAP + RUNNING_SLOTS, STRIDE = DROPPED + 1;

/** UDP payload above which an upstream datagram counts as a request (the original's QUIC threshold). */
export const UDP_REQUEST_BYTES = 100;

function latencyColumns(sfx: 'Up' | 'Dw'): ColumnSpec[] {
  const what = sfx === 'Up'
    ? 'RTT of upstream TCP segments (to the downstream ACK of exactly their seq+len: monitor to server and back)'
    : 'RTT of downstream TCP segments (to the upstream ACK of exactly their seq+len: monitor to client and back)';
  const jit = `jitter: |difference of successive RTT samples| of the same flow, ${sfx === 'Up' ? 'upstream' : 'downstream'} segments`;
  return [
    { name: `RttMean${sfx}`, unit: 'ms', description: `mean ${what}` },
    { name: `RttStd${sfx}`, unit: 'ms', description: `standard deviation of the ${what}` },
    { name: `RttMin${sfx}`, unit: 'ms', description: `smallest ${what}` },
    { name: `RttMax${sfx}`, unit: 'ms', description: `largest ${what}` },
    { name: `JitterMean${sfx}`, unit: 'ms', description: `mean ${jit}` },
    { name: `JitterStd${sfx}`, unit: 'ms', description: `standard deviation of the ${jit}` },
    { name: `JitterMin${sfx}`, unit: 'ms', description: `smallest ${jit}` },
    { name: `JitterMax${sfx}`, unit: 'ms', description: `largest ${jit}` },
  ];
}

/**
 * RTT and jitter from TCP ACK matching (the same tracker as TCPCounters, Karn's rule),
 * per direction, in milliseconds.
 *
 * UDP (QUIC) acknowledgements are encrypted, so no RTT can be read from them. For UDP
 * flows the class measures, under its own column names, the request-to-first-response
 * gap: from an upstream datagram with more than 100 payload bytes (the first one not yet
 * answered) to the next downstream datagram carrying payload in the same flow. It
 * includes the server's think time, so it is an upper bound of the RTT, not an RTT.
 */
export class LatencyCounters implements FeatureClass {
  static readonly featureName = 'LatencyCounters';
  static readonly layer = 'transport' as const;
  static readonly description = 'TCP RTT and jitter per direction (ACK matching); for UDP/QUIC the request-to-first-response gap.';
  static readonly columns: readonly ColumnSpec[] = [
    ...latencyColumns('Up'),
    ...latencyColumns('Dw'),
    { name: 'UdpReqRespGapMean', unit: 'ms', description: 'UDP/QUIC: mean time from an unanswered upstream datagram with > 100 payload bytes to the next downstream payload datagram of the flow (RTT + server time; not an RTT)' },
    { name: 'UdpReqRespGapMin', unit: 'ms', description: 'UDP/QUIC: smallest request-to-first-response gap' },
    { name: 'UdpReqRespGapMax', unit: 'ms', description: 'UDP/QUIC: largest request-to-first-response gap' },
    { name: 'UdpReqRespGaps', unit: 'count', description: 'UDP/QUIC: request-to-first-response gaps measured in the bin' },
    { name: 'OutstandingDropped', unit: 'segments', description: 'outstanding TCP segments forgotten unacknowledged (per-flow cap maxOutstanding, or a sequence jump above 2^30)' },
  ];

  private readonly s = new UnitState(STRIDE);
  private readonly tracker: TcpTracker;
  private readonly level: 'flow' | 'session';
  /** Per flow: time of the first unanswered UDP request, NaN when none. */
  private pendingReq = new Float64Array(0);

  constructor(ctx: FeatureContext) {
    this.level = ctx.level;
    this.tracker = TcpTracker.fromOptions(ctx.options);
  }

  private clearStats(unit: number): void {
    const d = this.s.data, o = unit * STRIDE;
    runningReset(d, o + RTT); runningReset(d, o + JIT);
    runningReset(d, o + DIR + RTT); runningReset(d, o + DIR + JIT);
    runningReset(d, o + GAP);
    d[o + DROPPED] = 0;
  }

  private clearFlow(flow: number): void {
    this.tracker.clearFlow(flow);
    if (flow < this.pendingReq.length) this.pendingReq[flow] = NaN;
  }

  init(unit: number): void {
    this.s.ensure(unit);
    this.clearStats(unit);
    if (this.level === 'flow') this.clearFlow(unit);
  }

  addPacket(p: Packet, unit: number): void {
    const d = this.s.data, u = unit * STRIDE;
    if (p.isTcp()) {
      const t = this.tracker;
      t.track(p);
      if (t.rtt === t.rtt) {
        const o = u + t.rttDir * DIR;
        runningAdd(d, o + RTT, t.rtt * 1000);
        if (t.jitter === t.jitter) runningAdd(d, o + JIT, t.jitter * 1000);
      }
      d[u + DROPPED] += t.dropped;
      return;
    }
    if (!p.isUdp()) return;
    const f = p.flow;
    if (f >= this.pendingReq.length) {
      let n = Math.max(256, this.pendingReq.length * 2);
      while (n <= f) n *= 2;
      const a = new Float64Array(n).fill(NaN); a.set(this.pendingReq); this.pendingReq = a;
    }
    const pending = this.pendingReq[f];
    if (p.up) {
      if (p.payloadLen > UDP_REQUEST_BYTES && pending !== pending) this.pendingReq[f] = p.ts;
    } else if (p.payloadLen > 0 && pending === pending) {
      const gap = p.ts - pending;
      if (gap >= 0) runningAdd(d, u + GAP, gap * 1000);
      this.pendingReq[f] = NaN;
    }
  }

  collect(unit: number, _bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, u = unit * STRIDE;
    runningCollect(d, u + RTT, out, k);
    runningCollect(d, u + JIT, out, k + 4);
    runningCollect(d, u + DIR + RTT, out, k + 8);
    runningCollect(d, u + DIR + JIT, out, k + 12);
    const n = d[u + GAP];
    out[k + 16] = n > 0 ? d[u + GAP + 1] : NaN;
    out[k + 17] = n > 0 ? d[u + GAP + 3] : NaN;
    out[k + 18] = n > 0 ? d[u + GAP + 4] : NaN;
    out[k + 19] = n;
    out[k + 20] = d[u + DROPPED];
  }

  reset(unit: number): void { this.clearStats(unit); }

  release(unit: number): void {
    this.s.fill(unit, 0);
    if (this.level === 'flow') this.clearFlow(unit);
  }

  flowEnded(flow: number): void { this.clearFlow(flow); }

  stateBytes(): number {
    return this.s.bytes() + this.tracker.bytes() + this.pendingReq.byteLength;
  }
}
