import type { PacketBatch } from '../capture/batch';
import { decodeRecord, Skip } from '../decode/decoder';
import { Packet, TCP_FIN, TCP_RST } from '../decode/packet';
import { FlowTable } from '../flows/flowTable';

/**
 * A NetFlow v5 / IPFIX export of the same traffic, sized by computation (no exporter runs).
 *
 * Flow records follow a flow cache with the usual timeouts: a record is exported when a
 * flow has been active for `activeTimeout` seconds (60 s; the flow then starts a new
 * record), when it has been idle for `inactiveTimeout` seconds (15 s, Cisco's default),
 * when a TCP flow ends (FIN or RST seen; further packets start a new record) and at the
 * end of the capture. Flows are unidirectional in NetFlow: each direction of a
 * conversation that carried packets is its own record in an interval, so a record
 * interval of a two-way conversation counts 2 records (1 if only one direction spoke).
 *
 * Sizes:
 * - NetFlow v5: 48 bytes per record plus a 24-byte header per export packet of at
 *   most 30 records. (v5 has no IPv6 records; IPv6 flows are sized as if it had.)
 * - IPFIX (RFC 7011) with a typical 5-tuple+counters template: sourceIPv4Address (4),
 *   destinationIPv4Address (4), sourceTransportPort (2), destinationTransportPort (2),
 *   protocolIdentifier (1), tcpControlBits (1, reduced size), ipClassOfService (1),
 *   ingressInterface (4), packetDeltaCount (8), octetDeltaCount (8),
 *   flowStartMilliseconds (8), flowEndMilliseconds (8) = 51 bytes per IPv4 record, 75 with
 *   IPv6 addresses; a 16-byte message header and a 4-byte set header per message of at
 *   most 28 records (a 1500-byte MTU), and the template set (4 + 4 + 12 fields x 4 = 56
 *   bytes per template, IPv4 and IPv6) re-sent every 10 minutes of capture time (silences over 60 s not counted).
 */
export const NETFLOW_METHOD = 'computed export sizes: unidirectional records per flow direction per active timeout (60 s), inactive timeout (15 s), TCP FIN/RST and capture end; NetFlow v5 48 B/record + 24 B header per 30 records; IPFIX 51 B (IPv4) / 75 B (IPv6) per record + 20 B per message of 28 records + 56 B templates every 600 s';

export interface NetflowOptions {
  activeTimeout?: number;
  inactiveTimeout?: number;
}

export interface NetflowExport {
  /** Bidirectional 5-tuple flows seen (conversations), and unidirectional records exported. */
  flows: number;
  records: number;
  recordsV6: number;
  v5Bytes: number;
  ipfixBytes: number;
}

const V5_RECORD = 48, V5_HEADER = 24, V5_PER_PACKET = 30;
const IPFIX_V4 = 51, IPFIX_V6 = 75, IPFIX_MESSAGE = 16 + 4, IPFIX_PER_MESSAGE = 28, IPFIX_TEMPLATES = 2 * 56, IPFIX_TEMPLATE_REFRESH = 600;

/** Counts the flow records a NetFlow/IPFIX exporter would send for the batches it is fed. */
export class NetflowMeter {
  private readonly active: number;
  private readonly inactive: number;
  private table = new FlowTable();
  private readonly p = new Packet();
  /** Per flow: start of the current record interval, last packet, directions seen in it (bit 0 A->B, bit 1 B->A). */
  private start = new Float64Array(4096);
  private last = new Float64Array(4096);
  private dirs = new Uint8Array(4096);
  private nextSweep = -Infinity;
  private now = -Infinity;
  private seconds = 0;
  private prevTs = -Infinity;
  flows = 0;
  records = 0;
  recordsV6 = 0;

  constructor(opts: NetflowOptions = {}) {
    this.active = opts.activeTimeout ?? 60;
    this.inactive = opts.inactiveTimeout ?? 15;
  }

  /** A new capture starts: flows never span captures. */
  startCapture(): void {
    this.endCapture();
  }

  addBatch(b: PacketBatch): void {
    const p = this.p, t = this.table;
    for (let i = 0; i < b.count; i++) {
      if (decodeRecord(b, i, p) !== Skip.None) continue;
      const ts = p.ts;
      // Capture time for the template refresh: silences over 60 s do not count.
      const d = ts - this.prevTs;
      if (d > 0) { if (d <= 60) this.seconds += d; this.prevTs = ts; } else if (d < -60) this.prevTs = ts;
      if (ts > this.now) {
        this.now = ts;
        if (ts >= this.nextSweep) this.sweep(ts);
      }
      const f = t.lookup(p);
      this.ensure(t.capacity);
      if (t.lastCreated) {
        this.flows++;
        this.start[f] = ts;
        this.dirs[f] = 0;
      } else if (ts - this.last[f] >= this.inactive || ts - this.start[f] >= this.active) {
        this.export(f);
        this.start[f] = ts;
      }
      this.last[f] = ts;
      this.dirs[f] |= t.lastForward ? 1 : 2;
      if (p.protocol === 6 && p.l4 >= 0 && (p.tcpFlags & (TCP_FIN | TCP_RST)) !== 0) {
        this.export(f);
        t.remove(f);
      }
    }
  }

  endCapture(): void {
    const t = this.table;
    for (let f = 0; f < t.highWater; f++) if (t.alive[f]) this.export(f);
    this.table = new FlowTable();
    this.now = -Infinity;
    this.nextSweep = -Infinity;
    this.prevTs = -Infinity;
  }

  result(): NetflowExport {
    this.endCapture();
    const records = this.records, v6 = this.recordsV6, v4 = records - v6;
    const v5Bytes = records * V5_RECORD + Math.ceil(records / V5_PER_PACKET) * V5_HEADER;
    const templates = records > 0 ? IPFIX_TEMPLATES * (1 + Math.floor(this.seconds / IPFIX_TEMPLATE_REFRESH)) : 0;
    const ipfixBytes = v4 * IPFIX_V4 + v6 * IPFIX_V6 + Math.ceil(records / IPFIX_PER_MESSAGE) * IPFIX_MESSAGE + templates;
    return { flows: this.flows, records, recordsV6: v6, v5Bytes, ipfixBytes };
  }

  private export(f: number): void {
    const d = this.dirs[f];
    const n = (d & 1) + ((d >> 1) & 1);
    this.records += n;
    if (this.table.ipVersion(f) === 6) this.recordsV6 += n;
    this.dirs[f] = 0;
  }

  private sweep(now: number): void {
    this.nextSweep = now + 1;
    const t = this.table;
    for (let f = 0; f < t.highWater; f++) {
      if (t.alive[f] && now - this.last[f] >= this.inactive) {
        this.export(f);
        t.remove(f);
      }
    }
  }

  private ensure(cap: number): void {
    if (cap <= this.start.length) return;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(cap); b.set(a); return b; };
    this.start = grow(this.start, (n) => new Float64Array(n));
    this.last = grow(this.last, (n) => new Float64Array(n));
    this.dirs = grow(this.dirs, (n) => new Uint8Array(n));
  }
}
