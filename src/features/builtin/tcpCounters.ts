import type { Packet } from '../../decode/packet';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';
import { RUNNING_SLOTS, runningAdd, runningCollect, runningReset } from '../stats';
import { TcpTracker } from './tcpTrack';

// Per direction: counters, then running stats (n, mean, m2, min, max) of four quantities.
const ACK = 0, SYN = 1, FIN = 2, RST = 3, PSH = 4, URG = 5, BYTES = 6, RETX = 7, RETX_BYTES = 8, OOO = 9, OOO_BYTES = 10;
const N_COUNTERS = 11;
const WIN = N_COUNTERS, BPP = WIN + RUNNING_SLOTS, INF = BPP + RUNNING_SLOTS, RTT = INF + RUNNING_SLOTS;
const DIR = RTT + RUNNING_SLOTS;
const DROPPED = 2 * DIR, BAD_OPT = DROPPED + 1, BAD_WS = DROPPED + 2;
const STRIDE = BAD_WS + 1;

function dirColumns(sfx: 'Up' | 'Dw'): ColumnSpec[] {
  const side = sfx === 'Up' ? 'upstream (client to server)' : 'downstream (server to client)';
  const stats = (name: string, unit: string, what: string): ColumnSpec[] => [
    { name: `${name}Mean${sfx}`, unit, description: `mean ${what}` },
    { name: `${name}Std${sfx}`, unit, description: `standard deviation of ${what}` },
    { name: `${name}Min${sfx}`, unit, description: `smallest ${what}` },
    { name: `${name}Max${sfx}`, unit, description: `largest ${what}` },
  ];
  return [
    { name: `Ack${sfx}`, unit: 'packets', description: `${side} packets with the ACK flag` },
    { name: `Syn${sfx}`, unit: 'packets', description: `${side} packets with the SYN flag` },
    { name: `Fin${sfx}`, unit: 'packets', description: `${side} packets with the FIN flag` },
    { name: `Rst${sfx}`, unit: 'packets', description: `${side} packets with the RST flag` },
    { name: `Psh${sfx}`, unit: 'packets', description: `${side} packets with the PSH flag` },
    { name: `Urg${sfx}`, unit: 'packets', description: `${side} packets with the URG flag` },
    { name: `PayloadBytes${sfx}`, unit: 'bytes', description: `TCP payload bytes sent ${side}` },
    { name: `Retrans${sfx}`, unit: 'packets', description: `${side} payload segments whose seq+len was already seen and not yet acknowledged` },
    { name: `RetransBytes${sfx}`, unit: 'bytes', description: `payload bytes of ${side} retransmissions` },
    { name: `OutOfOrder${sfx}`, unit: 'packets', description: `${side} payload segments starting below the highest seq+len seen that are not retransmissions` },
    { name: `OutOfOrderBytes${sfx}`, unit: 'bytes', description: `payload bytes of ${side} out-of-order segments` },
    ...stats('Window', 'bytes', `receive window advertised ${side}, scaled when the SYN/SYN-ACK negotiated window scaling, raw otherwise`),
    ...stats('BytesPerPkt', 'bytes', `TCP payload bytes per ${side} packet (pure ACKs count as 0)`),
    ...stats('InFlight', 'bytes', `bytes in flight ${side} (highest seq+len sent minus highest ACK from the other side), sampled at each payload segment`),
    ...stats('Rtt', 'ms', sfx === 'Up'
      ? 'RTT of upstream segments: upstream segment to the downstream ACK of exactly its seq+len (monitor to server and back; Karn: retransmitted segments ignored)'
      : 'RTT of downstream segments: downstream segment to the upstream ACK of exactly its seq+len (monitor to client and back; Karn: retransmitted segments ignored)'),
  ];
}

/**
 * TCP flags, payload bytes, retransmissions, out-of-order segments, receive window,
 * bytes per packet, bytes in flight and RTT, per direction (the original's TCPState).
 *
 * Like the original it remembers every outstanding (sent, unacknowledged) segment of
 * each flow direction, which is why its state is much larger than the network
 * classes'; unlike it, cumulative ACKs free what they cover and a cap
 * (`maxOutstanding`, 4096 per flow direction) bounds a hostile flow, counting what it
 * drops. At session level the sequence tracking stays per flow; counters and
 * statistics aggregate over the session's flows.
 */
export class TCPCounters implements FeatureClass {
  static readonly featureName = 'TCPCounters';
  static readonly layer = 'transport' as const;
  static readonly description = 'TCP flags, retransmissions, out-of-order segments, window, bytes in flight and RTT per direction.';
  static readonly columns: readonly ColumnSpec[] = [
    ...dirColumns('Up'),
    ...dirColumns('Dw'),
    { name: 'OutstandingDropped', unit: 'segments', description: 'outstanding segments forgotten unacknowledged: the per-flow cap (maxOutstanding) was reached or the sequence jumped by more than 2^30' },
    { name: 'BadOptions', unit: 'options', description: 'malformed TCP options seen (both directions)' },
    { name: 'BadWscale', unit: 'packets', description: 'SYNs offering a window scale above 14 (clamped to 14)' },
  ];

  private readonly s = new UnitState(STRIDE);
  private readonly tracker: TcpTracker;
  private readonly level: 'flow' | 'session';

  constructor(ctx: FeatureContext) {
    this.level = ctx.level;
    this.tracker = TcpTracker.fromOptions(ctx.options);
  }

  private clearUnit(unit: number): void {
    this.s.ensure(unit);
    const d = this.s.data, o = unit * STRIDE;
    for (let dir = 0; dir < 2; dir++) {
      const b = o + dir * DIR;
      runningReset(d, b + WIN); runningReset(d, b + BPP); runningReset(d, b + INF); runningReset(d, b + RTT);
    }
  }

  init(unit: number): void {
    this.clearUnit(unit);
    if (this.level === 'flow') this.tracker.clearFlow(unit);
  }

  addPacket(p: Packet, unit: number): void {
    if (!p.isTcp()) return;
    const t = this.tracker;
    t.track(p);
    const d = this.s.data, u = unit * STRIDE, o = u + t.dir * DIR;
    const fl = p.tcpFlags, len = p.payloadLen;
    if (fl & TCP_ACK) d[o + ACK]++;
    if (fl & TCP_SYN) d[o + SYN]++;
    if (fl & TCP_FIN) d[o + FIN]++;
    if (fl & TCP_RST) d[o + RST]++;
    if (fl & TCP_PSH) d[o + PSH]++;
    if (fl & TCP_URG) d[o + URG]++;
    d[o + BYTES] += len;
    if (t.retrans) { d[o + RETX]++; d[o + RETX_BYTES] += len; }
    if (t.outOfOrder) { d[o + OOO]++; d[o + OOO_BYTES] += len; }
    runningAdd(d, o + WIN, t.window);
    runningAdd(d, o + BPP, len);
    if (t.inFlight === t.inFlight) runningAdd(d, o + INF, t.inFlight);
    if (t.rtt === t.rtt) runningAdd(d, u + t.rttDir * DIR + RTT, t.rtt * 1000);
    d[u + DROPPED] += t.dropped;
    d[u + BAD_OPT] += p.tcpBadOptions;
    if (t.badWscale) d[u + BAD_WS]++;
  }

  collect(unit: number, _bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, u = unit * STRIDE;
    for (let dir = 0; dir < 2; dir++) {
      const o = u + dir * DIR;
      for (let c = 0; c < N_COUNTERS; c++) out[k++] = d[o + c];
      runningCollect(d, o + WIN, out, k); k += 4;
      runningCollect(d, o + BPP, out, k); k += 4;
      runningCollect(d, o + INF, out, k); k += 4;
      runningCollect(d, o + RTT, out, k); k += 4;
    }
    out[k] = d[u + DROPPED];
    out[k + 1] = d[u + BAD_OPT];
    out[k + 2] = d[u + BAD_WS];
  }

  reset(unit: number): void {
    this.s.fill(unit, 0);
    this.clearUnit(unit);
  }

  release(unit: number): void {
    this.s.fill(unit, 0);
    if (this.level === 'flow') this.tracker.clearFlow(unit);
  }

  flowEnded(flow: number): void {
    this.tracker.clearFlow(flow);
  }

  stateBytes(): number {
    return this.s.bytes() + this.tracker.bytes();
  }

  /** Outstanding segments tracked for a flow direction (0 up, 1 down): tests and diagnostics. */
  outstanding(flow: number, dir: number): number {
    return this.tracker.outstanding(flow, dir);
  }
}
