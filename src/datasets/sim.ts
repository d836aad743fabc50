/**
 * Packet-level simulation used by the dataset generator: a discrete-event engine, a downstream
 * bottleneck link (time-varying capacity, FIFO queue with tail drop, random loss), a capture
 * buffer (libpcap via PcapWriter) and TCP/TLS and QUIC connections with a simple Reno/NewReno
 * congestion controller driven by the client's ACK clock.
 *
 * The capture point is the client device (as in the Requet dataset): upstream packets are
 * recorded when the client sends them, downstream packets when they reach it.
 * Bulk packets are written headers-only (caplen = snaplen) with their real wire length;
 * DNS, TLS ClientHello and QUIC Initial datagrams are written whole.
 */
import { PcapWriter } from '../capture/pcapWriter';
import { ethernet, ipv4Packet, tcpSegment, udpDatagram, tcpOption, concat, TcpFlag } from './packets';
import { Rng } from './rng';
import { buildClientHello, buildServerHello, tlsRecord } from '../services/quic/tls';
import { protectClientInitial, protectInitial, cryptoFrame, ackFrame } from '../services/quic/initial';
import { buildDnsQuery, buildDnsResponse, DnsAnswerSpec } from './dns';

// ---------------------------------------------------------------------------------------------
// Event engine

/** Binary min-heap of (time, insertion order) with the callbacks in a parallel array. */
export class Sim {
  now = 0;
  events = 0;
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private fns: (() => void)[] = [];
  private size = 0;
  private seq = 0;

  at(t: number, fn: () => void): void {
    if (t < this.now) t = this.now;
    if (this.size === this.times.length) {
      const nt = new Float64Array(this.size * 2); nt.set(this.times); this.times = nt;
      const ns = new Float64Array(this.size * 2); ns.set(this.seqs); this.seqs = ns;
    }
    const times = this.times, seqs = this.seqs, fns = this.fns;
    const sq = this.seq++;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p];
      if (tp < t || (tp === t && seqs[p] < sq)) break;
      times[i] = tp; seqs[i] = seqs[p]; fns[i] = fns[p];
      i = p;
    }
    times[i] = t; seqs[i] = sq; fns[i] = fn;
  }

  after(dt: number, fn: () => void): void { this.at(this.now + dt, fn); }

  /** Runs events up to time `until` (inclusive). */
  run(until: number): void {
    const fns = this.fns;
    while (this.size > 0 && this.times[0] <= until) {
      const times = this.times, seqs = this.seqs;
      const t0 = times[0];
      const fn = fns[0];
      const n = --this.size;
      if (n > 0) {
        const lt = times[n], ls = seqs[n], lf = fns[n];
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= n) break;
          const r = l + 1;
          let c = l;
          if (r < n && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) c = r;
          if (lt < times[c] || (lt === times[c] && ls < seqs[c])) break;
          times[i] = times[c]; seqs[i] = seqs[c]; fns[i] = fns[c];
          i = c;
        }
        times[i] = lt; seqs[i] = ls; fns[i] = lf;
      }
      fns[n] = undefined as unknown as () => void;
      this.now = t0;
      this.events++;
      fn();
    }
  }

  get pending(): number { return this.size; }
}

// ---------------------------------------------------------------------------------------------
// Capture

export class CaptureBuffer {
  private buf = new Uint8Array(1 << 22);
  private len = 0;
  packets = 0;
  private readonly writer: PcapWriter;
  lastTs = -Infinity;

  /** `epoch` is added to simulation time to get capture timestamps. */
  constructor(readonly epoch: number, readonly snaplen: number) {
    // The file header advertises 65535 because DNS/ClientHello/Initial packets are kept whole;
    // every other packet is cut at `snaplen` by the code that builds it.
    this.writer = new PcapWriter(this, 1, 65535);
  }

  write(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + chunk.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    const n = chunk.length;
    if (n <= 64) {
      const b = this.buf;
      const o = this.len;
      for (let i = 0; i < n; i++) b[o + i] = chunk[i];
    } else this.buf.set(chunk, this.len);
    this.len += n;
  }

  add(t: number, frame: Uint8Array, wireLength: number): void {
    if (t < this.lastTs) t = this.lastTs; // never go back in time (same-instant events)
    this.lastTs = t;
    this.writer.write(this.epoch + t, frame, wireLength);
    this.packets++;
  }

  bytes(): Uint8Array { return this.buf.subarray(0, this.len); }
}

// ---------------------------------------------------------------------------------------------
// Frame templates: built once with the packet builders, patched per packet.

function ipChecksum(f: Uint8Array, o: number): void {
  f[o + 10] = 0; f[o + 11] = 0;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (f[o + i] << 8) | f[o + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = (~sum) & 0xffff;
  f[o + 10] = c >> 8; f[o + 11] = c & 0xff;
}

export interface Endpoint { ip: string; mac: string; port: number; ttl: number }

/** One direction of a TCP flow; payload bytes are captured up to the snaplen. */
export class TcpTemplate {
  readonly frame: Uint8Array;
  readonly maxPayload: number;
  ipId: number;
  constructor(src: Endpoint, dst: Endpoint, snaplen: number, ipId: number) {
    this.maxPayload = Math.max(0, snaplen - 54);
    this.frame = ethernet(
      ipv4Packet(tcpSegment(new Uint8Array(this.maxPayload), { srcPort: src.port, dstPort: dst.port, flags: TcpFlag.ACK }),
        { src: src.ip, dst: dst.ip, protocol: 6, ttl: src.ttl, dontFragment: true }),
      0x0800, { src: src.mac, dst: dst.mac });
    this.ipId = ipId;
  }
  /** Patches and captures one segment; `fill` writes the captured payload bytes. */
  emit(cap: CaptureBuffer, t: number, seq: number, ack: number, flags: number, window: number, payloadLen: number,
    fill?: (frame: Uint8Array, offset: number, n: number) => void): void {
    const f = this.frame;
    const total = 40 + payloadLen;
    f[16] = total >> 8; f[17] = total & 0xff;
    this.ipId = (this.ipId + 1) & 0xffff;
    f[18] = this.ipId >> 8; f[19] = this.ipId & 0xff;
    ipChecksum(f, 14);
    const s = seq % 4294967296, a = ack % 4294967296;
    f[38] = s >>> 24; f[39] = (s >>> 16) & 0xff; f[40] = (s >>> 8) & 0xff; f[41] = s & 0xff;
    f[42] = a >>> 24; f[43] = (a >>> 16) & 0xff; f[44] = (a >>> 8) & 0xff; f[45] = a & 0xff;
    f[47] = flags;
    f[48] = (window >> 8) & 0xff; f[49] = window & 0xff;
    const n = Math.min(payloadLen, this.maxPayload);
    if (n > 0 && fill) fill(f, 54, n);
    cap.add(t, f.subarray(0, 54 + n), 14 + total);
  }
}

/** One direction of a UDP flow. */
export class UdpTemplate {
  readonly frame: Uint8Array;
  readonly maxPayload: number;
  ipId: number;
  constructor(src: Endpoint, dst: Endpoint, snaplen: number, ipId: number) {
    this.maxPayload = Math.max(0, snaplen - 42);
    this.frame = ethernet(ipv4Packet(udpDatagram(new Uint8Array(this.maxPayload), src.port, dst.port),
      { src: src.ip, dst: dst.ip, protocol: 17, ttl: src.ttl, dontFragment: true }), 0x0800, { src: src.mac, dst: dst.mac });
    this.ipId = ipId;
  }
  emit(cap: CaptureBuffer, t: number, payloadLen: number, fill?: (frame: Uint8Array, offset: number, n: number) => void): void {
    const f = this.frame;
    const total = 28 + payloadLen;
    f[16] = total >> 8; f[17] = total & 0xff;
    this.ipId = (this.ipId + 1) & 0xffff;
    f[18] = this.ipId >> 8; f[19] = this.ipId & 0xff;
    ipChecksum(f, 14);
    const ul = 8 + payloadLen;
    f[38] = ul >> 8; f[39] = ul & 0xff;
    const n = Math.min(payloadLen, this.maxPayload);
    if (n > 0 && fill) fill(f, 42, n);
    cap.add(t, f.subarray(0, 42 + n), 14 + total);
  }
  /** Captures a datagram whole (DNS, QUIC Initial). */
  emitWhole(cap: CaptureBuffer, t: number, payload: Uint8Array, src: Endpoint, dst: Endpoint): void {
    this.ipId = (this.ipId + 1) & 0xffff;
    const frame = ethernet(ipv4Packet(udpDatagram(payload, src.port, dst.port), { src: src.ip, dst: dst.ip, protocol: 17, ttl: src.ttl, id: this.ipId, dontFragment: true }), 0x0800, { src: src.mac, dst: dst.mac });
    cap.add(t, frame, frame.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Session context shared by every flow of a capture

export class RandomPool {
  private readonly bytes: Uint8Array;
  private off = 0;
  constructor(rng: Rng, size = 1 << 16) { this.bytes = rng.bytes(size); }
  fill(dst: Uint8Array, at: number, n: number): void {
    if (this.off + n > this.bytes.length) this.off = (this.off * 7 + 13) % (this.bytes.length - 256);
    const src = this.bytes;
    const o = this.off;
    if (n <= 64) for (let i = 0; i < n; i++) dst[at + i] = src[o + i];
    else dst.set(src.subarray(o, o + n), at);
    this.off += n;
  }
  take(n: number): Uint8Array { const out = new Uint8Array(n); for (let i = 0; i < n; i += 256) this.fill(out, i, Math.min(256, n - i)); return out; }
}

/** Downstream capacity, bits per second, in 100 ms slots. */
export class Link {
  busyUntil = 0;
  drops = 0;
  randomLosses = 0;
  sent = 0;
  constructor(
    private readonly sim: Sim,
    private readonly rng: Rng,
    readonly capacity: Float64Array,
    readonly lossRate: number,
    /** Tail drop when the queue holds more than this many seconds of traffic. */
    readonly maxQueueDelay: number,
    /** Router to client delay (Wi-Fi/LAN), seconds. */
    readonly lan: number,
  ) {}

  rateAt(t: number): number {
    const i = Math.min(this.capacity.length - 1, Math.max(0, Math.floor(t * 10)));
    return this.capacity[i];
  }

  /** A downstream packet reaches the bottleneck now; `deliver` runs when it reaches the client. */
  enqueue(wireBytes: number, deliver: () => void, droppable = true): void {
    const now = this.sim.now;
    const start = this.busyUntil > now ? this.busyUntil : now;
    if (droppable) {
      if (start - now > this.maxQueueDelay) { this.drops++; return; }
      if (this.lossRate > 0 && this.rng.next() < this.lossRate) { this.randomLosses++; return; }
    }
    const done = start + (wireBytes * 8) / this.rateAt(start);
    this.busyUntil = done;
    this.sent++;
    this.sim.at(done + this.lan, deliver);
  }
}

export interface SessionContext {
  sim: Sim;
  link: Link;
  cap: CaptureBuffer;
  rng: Rng;
  pool: RandomPool;
  snaplen: number;
  gatewayMac: string;
  /** Stop creating new activity after this time. */
  endTime: number;
  /** Every connection created in the session (for the final teardown). */
  conns: Conn[];
}

export interface ClientHost {
  ip: string;
  mac: string;
  ttl: number;
  nextPort: number;
  ipId: number;
}

export function allocPort(c: ClientHost, rng: Rng): number {
  const p = c.nextPort;
  c.nextPort += 1 + (rng.next() < 0.3 ? rng.int(1, 40) : 0);
  if (c.nextPort > 60999) c.nextPort = 32768 + rng.int(0, 2000);
  return p;
}

// ---------------------------------------------------------------------------------------------
// DNS exchange

/** A DNS query from the client and, after `rtt`, the response; `done` runs when the answer arrives. */
export function dnsLookup(ctx: SessionContext, client: ClientHost, resolver: { ip: string; rtt: number }, qname: string,
  answer: DnsAnswerSpec, done: () => void): void {
  const { sim, cap, rng } = ctx;
  const port = allocPort(client, rng);
  const id = rng.int(0, 0xffff);
  const q = buildDnsQuery(id, qname);
  const src: Endpoint = { ip: client.ip, mac: client.mac, port, ttl: client.ttl };
  const dst: Endpoint = { ip: resolver.ip, mac: ctx.gatewayMac, port: 53, ttl: 64 };
  client.ipId = (client.ipId + 1) & 0xffff;
  const qf = ethernet(ipv4Packet(udpDatagram(q, port, 53), { src: src.ip, dst: dst.ip, protocol: 17, ttl: src.ttl, id: client.ipId }), 0x0800, { src: src.mac, dst: dst.mac });
  cap.add(sim.now, qf, qf.length);
  sim.after(resolver.rtt, () => {
    const r = buildDnsResponse(id, qname, answer);
    const rf = ethernet(ipv4Packet(udpDatagram(r, 53, port), { src: dst.ip, dst: src.ip, protocol: 17, ttl: 64, id: rng.int(0, 0xffff) }), 0x0800, { src: ctx.gatewayMac, dst: src.mac });
    cap.add(sim.now, rf, rf.length);
    // The application reacts to the answer after a short processing delay.
    sim.after(rng.uniform(0.0002, 0.002), done);
  });
}

// ---------------------------------------------------------------------------------------------
// Connections

export type ConnKind = 'tcp' | 'quic';

export interface ConnOptions {
  kind: ConnKind;
  client: ClientHost;
  serverIp: string;
  serverPort?: number;
  /** Base round-trip time between client and server (excluding queueing), seconds. */
  rtt: number;
  /** TTL of server packets as seen at the client. */
  serverTtl: number;
  sni: string;
  /** TCP MSS announced by the server (the client announces 1460). */
  serverMss?: number;
  /** Bytes of the server's TLS handshake flight (ServerHello .. Finished). */
  serverFlight?: number;
  /** Maximum receive window of the client in bytes (TCP autotuning cap). */
  rwndMax?: number;
  /** ALPN offered. */
  alpn?: string[];
  /** Initial congestion window in segments. */
  initialWindow?: number;
}

interface SentSeg { off: number; len: number; tx: number; retx: boolean }
interface Pending { end: number; done?: (t: number) => void }

const QUIC_MAX_UDP = 1350;
/** Short header (1 + 0-byte client CID + 2-byte PN) + STREAM frame header (4) + AEAD tag (16). */
export const QUIC_DOWN_OVERHEAD = 23;
export const QUIC_DOWN_DATA = QUIC_MAX_UDP - QUIC_DOWN_OVERHEAD;
const QUIC_SERVER_CID_LEN = 8;

/**
 * One client-server connection. The server side runs Reno/NewReno on the stream of response
 * bytes; the client acknowledges every second segment (immediately on a gap, on a filled gap,
 * or at the end of a response; otherwise after a 40 ms delayed-ACK timer).
 * Requests are one at a time (HTTP/1.1-like); uplink is not congested and not lossy.
 */
export class Conn {
  readonly kind: ConnKind;
  readonly cport: number;
  readonly sport: number;
  ready = false;
  closed = false;
  /** Busy with a request whose response has not fully arrived. */
  busy = false;
  // --- server sender state (offsets in the server->client stream) ---
  private sndUna = 0;
  private sndNxt = 0;
  private queued = 0;
  private cwnd: number;
  private ssthresh = Infinity;
  private dupAcks = 0;
  private inRecovery = false;
  private recover = 0;
  private srtt = 0;
  private rttvar = 0;
  private rto = 1;
  private rtoDeadline = 0;
  private rtoEventPending = false;
  private rtoArmed = false;
  private lastSend = 0;
  private readonly sent: SentSeg[] = [];
  private sentHead = 0;
  private rwnd = 65535;
  private serverClosed = false;
  private lastBottleneckArrival = 0;
  // --- server's view of client data ---
  private sRcv = 0;
  private sAckPending = false;
  private sAckToken = 0;
  // --- client receiver state ---
  private rcvNxt = 0;
  private readonly ooo: [number, number][] = [];
  private unacked = 0;
  private delAckToken = 0;
  private delAckArmed = false;
  private readonly pending: Pending[] = [];
  private cSnd = 0;
  private received = 0;
  // --- wire ---
  private readonly up: TcpTemplate | UdpTemplate;
  private readonly down: TcpTemplate | UdpTemplate;
  private readonly cIsn: number;
  private readonly sIsn: number;
  private readonly mss: number;
  private readonly ws = 7;
  private readonly serverWs = 9;
  private readonly rwndMax: number;
  private readonly serverCid: Uint8Array;
  private readonly clientEp: Endpoint;
  private readonly serverEp: Endpoint;
  /** Literal bytes at the start of each stream (TLS handshake records), for the captured payload. */
  private readonly downLiteral: { off: number; bytes: Uint8Array }[] = [];
  private readonly upLiteral: { off: number; bytes: Uint8Array }[] = [];
  /** Start offsets of responses (for TLS record headers in captured bytes). */
  private readonly respStarts: number[] = [];
  private readonly owdUp: number;
  private readonly owdDown: number;
  private onReady?: () => void;
  private onClosed?: () => void;
  stats = { retransmits: 0, timeouts: 0, dataPackets: 0, ackPackets: 0 };

  constructor(private readonly ctx: SessionContext, readonly o: ConnOptions) {
    const rng = ctx.rng;
    ctx.conns.push(this);
    this.kind = o.kind;
    this.cport = allocPort(o.client, rng);
    this.sport = o.serverPort ?? 443;
    this.clientEp = { ip: o.client.ip, mac: o.client.mac, port: this.cport, ttl: o.client.ttl };
    this.serverEp = { ip: o.serverIp, mac: ctx.gatewayMac, port: this.sport, ttl: o.serverTtl };
    const clientId = rng.int(0, 0xffff);
    const serverId = rng.int(0, 0xffff);
    if (o.kind === 'tcp') {
      this.up = new TcpTemplate(this.clientEp, this.serverEp, ctx.snaplen, clientId);
      this.down = new TcpTemplate(this.serverEp, this.clientEp, ctx.snaplen, serverId);
      this.mss = Math.min(1460, o.serverMss ?? 1460);
    } else {
      this.up = new UdpTemplate(this.clientEp, this.serverEp, ctx.snaplen, clientId);
      this.down = new UdpTemplate(this.serverEp, this.clientEp, ctx.snaplen, serverId);
      this.mss = QUIC_DOWN_DATA;
    }
    this.cIsn = rng.u32();
    this.sIsn = rng.u32();
    this.serverCid = rng.bytes(QUIC_SERVER_CID_LEN);
    this.cwnd = (o.initialWindow ?? 10) * this.mss;
    this.rwndMax = o.rwndMax ?? 6 * 1024 * 1024;
    // Most of the RTT is on the server side of the bottleneck.
    this.owdDown = Math.max(0.0005, o.rtt / 2 - ctx.link.lan);
    this.owdUp = o.rtt / 2;
  }

  get clientPort(): number { return this.cport; }
  /** Bytes of response data delivered in order to the client. */
  get delivered(): number { return this.received; }

  // ----------------------------------------------------------------- handshake

  open(onReady: () => void): void {
    this.onReady = onReady;
    if (this.kind === 'tcp') this.tcpOpen(); else this.quicOpen();
  }

  private tcpOpen(): void {
    const { sim } = this.ctx;
    const t0 = sim.now;
    const synOpts = concat(tcpOption.mss(1460), tcpOption.nop(), tcpOption.windowScale(this.ws));
    this.special(true, t0, this.cIsn, 0, TcpFlag.SYN, 64240, synOpts, new Uint8Array(0));
    sim.at(t0 + this.ctx.link.lan + this.owdUp, () => {
      // SYN-ACK through the bottleneck.
      const opts = concat(tcpOption.mss(this.o.serverMss ?? 1460), tcpOption.nop(), tcpOption.windowScale(this.serverWs));
      this.viaBottleneck(54 + 8, () => {
        this.special(false, this.ctx.sim.now, this.sIsn, this.cIsn + 1, TcpFlag.SYN | TcpFlag.ACK, 65535, opts, new Uint8Array(0));
        this.tcpEstablished();
      }, false);
    });
  }

  private tcpEstablished(): void {
    const { sim, rng, pool } = this.ctx;
    const t = sim.now;
    this.clientAck(t);
    // ClientHello, captured whole.
    const hello = tlsRecord(0x16, buildClientHello(this.o.sni, { random: pool.take(32), sessionId: pool.take(32), keyShare: pool.take(32), alpn: this.o.alpn ?? ['h2', 'http/1.1'], padTo: 512 }), 0x0301);
    this.special(true, t, this.cIsn + 1, this.sIsn + 1, TcpFlag.PSH | TcpFlag.ACK, this.windowField(), new Uint8Array(0), hello);
    this.cSnd += hello.length;
    const flightLen = this.o.serverFlight ?? rng.int(2800, 4800);
    const sh = tlsRecord(0x16, buildServerHello({ random: pool.take(32), keyShare: pool.take(32), sessionId: pool.take(32) }));
    const ccs = Uint8Array.of(0x14, 3, 3, 0, 1, 1);
    const encLen = Math.max(200, flightLen - sh.length - ccs.length - 5);
    const enc = concat(Uint8Array.of(0x17, 3, 3, encLen >> 8, encLen & 0xff), new Uint8Array(Math.min(64, encLen)));
    this.downLiteral.push({ off: 0, bytes: concat(sh, ccs, enc) });
    const flight = sh.length + ccs.length + 5 + encLen;
    const arrive = t + this.ctx.link.lan + this.owdUp;
    sim.at(arrive, () => {
      this.serverGotClientData(hello.length);
      this.serverQueue(flight, false);
    });
    // The client verifies the server's flight before answering (~0.3-2 ms of crypto).
    this.pending.push({ end: flight, done: () => sim.after(rng.uniform(0.0003, 0.002), () => this.tcpClientFinished(sim.now)) });
  }

  private tcpClientFinished(t: number): void {
    const { sim, rng } = this.ctx;
    // ChangeCipherSpec + Finished (as application data).
    const fin = concat(Uint8Array.of(0x14, 3, 3, 0, 1, 1), Uint8Array.of(0x17, 3, 3, 0, 0x35));
    const len = fin.length + 0x35;
    this.upLiteral.push({ off: this.cSnd, bytes: fin });
    this.clientData(t, len);
    const tickets = rng.int(2, 2) * rng.int(230, 280);
    sim.at(t + this.ctx.link.lan + this.owdUp, () => this.serverQueue(tickets, true));
    this.pending.push({ end: this.queuedEndAfter(tickets) });
    this.becomeReady(t);
  }

  /** Expected end offset of the server stream once `extra` more bytes are queued after what the client expects so far. */
  private queuedEndAfter(extra: number): number {
    const last = this.pending.length ? this.pending[this.pending.length - 1].end : this.rcvNxt;
    return Math.max(last, this.rcvNxt) + extra;
  }

  private quicOpen(): void {
    const { sim, pool } = this.ctx;
    const t0 = sim.now;
    const dcid = pool.take(8);
    const tp = Uint8Array.of(0x01, 0x04, 0x80, 0x00, 0x75, 0x30, 0x04, 0x04, 0x80, 0xf0, 0x00, 0x00, 0x08, 0x02, 0x40, 0x64, 0x09, 0x02, 0x40, 0x64);
    const hello = buildClientHello(this.o.sni, { random: pool.take(32), keyShare: pool.take(32), alpn: this.o.alpn ?? ['h3'], quicTransportParameters: tp });
    const initial = protectClientInitial({ dcid, clientHello: hello, datagramSize: 1250, packetNumber: 0, pnLength: 1 });
    (this.up as UdpTemplate).emitWhole(this.ctx.cap, t0, initial, this.clientEp, this.serverEp);
    sim.at(t0 + this.ctx.link.lan + this.owdUp, () => {
      // Server flight: Initial(ServerHello) + Handshake coalesced, then two Handshake datagrams.
      const sh = buildServerHello({ random: pool.take(32), keyShare: pool.take(32) });
      const payload = concat(ackFrame(0), cryptoFrame(0, sh));
      const sInitial = protectInitial({ side: 'server', originalDcid: dcid, dcid: new Uint8Array(0), scid: this.serverCid, packetNumber: 0, pnLength: 2, payload });
      const hs1Len = 1250 - sInitial.length;
      const first = concat(sInitial, this.longHeaderJunk(0x2, hs1Len));
      const sizes = [first.length, 1250, this.ctx.rng.int(400, 1100)];
      sizes.forEach((size, i) => {
        this.viaBottleneck(42 + size, () => {
          if (i === 0) (this.down as UdpTemplate).emitWhole(this.ctx.cap, this.ctx.sim.now, first, this.serverEp, this.clientEp);
          else (this.down as UdpTemplate).emit(this.ctx.cap, this.ctx.sim.now, size, (f, at, n) => this.fillLong(f, at, n, 0x2));
          if (i === sizes.length - 1) this.ctx.sim.after(this.ctx.rng.uniform(0.0003, 0.002), () => this.quicClientFinished(dcid));
        }, false);
      });
    });
  }

  private longHeaderJunk(type: number, len: number): Uint8Array {
    const out = this.ctx.pool.take(len);
    out[0] = 0xc0 | (type << 4) | (out[0] & 0x0f);
    out[1] = 0; out[2] = 0; out[3] = 0; out[4] = 1;
    out[5] = 0; // DCID length (client CID is empty)
    out[6] = QUIC_SERVER_CID_LEN; out.set(this.serverCid, 7);
    const rest = len - 7 - QUIC_SERVER_CID_LEN - 2;
    out[7 + QUIC_SERVER_CID_LEN] = 0x40 | ((rest >> 8) & 0x3f); out[8 + QUIC_SERVER_CID_LEN] = rest & 0xff;
    return out;
  }

  private fillLong(f: Uint8Array, at: number, n: number, type: number): void {
    const h = this.longHeaderJunk(type, Math.max(n, 20));
    f.set(h.subarray(0, n), at);
  }

  private quicClientFinished(dcid: Uint8Array): void {
    const t = this.ctx.sim.now;
    if (this.ready) return;
    // Initial(ACK) + Handshake(ACK, Finished), padded to 1250 bytes, kept whole (it holds an Initial).
    const init = protectInitial({ side: 'client', originalDcid: dcid, dcid: this.serverCid, packetNumber: 1, pnLength: 1, payload: ackFrame(0) });
    const dgram = concat(init, this.longHeaderHandshakeUp(1250 - init.length));
    (this.up as UdpTemplate).emitWhole(this.ctx.cap, t, dgram, this.clientEp, this.serverEp);
    // HANDSHAKE_DONE, NEW_TOKEN, NEW_CONNECTION_ID... in the first 1-RTT packet from the server.
    const post = this.ctx.rng.int(90, 220);
    this.ctx.sim.at(t + this.ctx.link.lan + this.owdUp, () => this.serverQueue(post, true));
    this.pending.push({ end: this.queuedEndAfter(post) });
    this.becomeReady(t);
  }

  private longHeaderHandshakeUp(len: number): Uint8Array {
    const out = this.ctx.pool.take(len);
    out[0] = 0xe0 | (out[0] & 0x0f);
    out[1] = 0; out[2] = 0; out[3] = 0; out[4] = 1;
    out[5] = QUIC_SERVER_CID_LEN; out.set(this.serverCid, 6);
    out[6 + QUIC_SERVER_CID_LEN] = 0;
    const rest = len - 7 - QUIC_SERVER_CID_LEN - 2;
    out[7 + QUIC_SERVER_CID_LEN] = 0x40 | ((rest >> 8) & 0x3f); out[8 + QUIC_SERVER_CID_LEN] = rest & 0xff;
    return out;
  }

  private becomeReady(t: number): void {
    this.ready = true;
    const cb = this.onReady;
    this.onReady = undefined;
    if (cb) this.ctx.sim.at(t, cb);
  }

  /** A whole TCP segment with options and/or payload (handshake packets). */
  private special(up: boolean, t: number, seq: number, ack: number, flags: number, window: number, opts: Uint8Array, payload: Uint8Array): void {
    const src = up ? this.clientEp : this.serverEp;
    const dst = up ? this.serverEp : this.clientEp;
    const tpl = (up ? this.up : this.down) as TcpTemplate;
    tpl.ipId = (tpl.ipId + 1) & 0xffff;
    const frame = ethernet(ipv4Packet(tcpSegment(payload, { srcPort: src.port, dstPort: dst.port, seq: seq % 4294967296, ack: ack % 4294967296, flags, window, options: opts }),
      { src: src.ip, dst: dst.ip, protocol: 6, ttl: src.ttl, id: tpl.ipId, dontFragment: true }), 0x0800, { src: src.mac, dst: dst.mac });
    this.ctx.cap.add(t, frame, frame.length);
  }

  // ----------------------------------------------------------------- requests

  /**
   * Sends a request of `reqBytes` (TLS record / QUIC packet payload) and expects `respBytes` of
   * response stream; `done` runs when the last response byte reaches the client.
   */
  request(reqBytes: number, respBytes: number, done: (t: number) => void, serverDelay = 0.005): void {
    if (!this.ready || this.closed) throw new Error('request on a connection that is not ready');
    const t = this.ctx.sim.now;
    this.busy = true;
    const end = this.queuedEndAfter(respBytes);
    this.pending.push({ end, done: (td) => { this.busy = false; done(td); } });
    this.clientData(t, reqBytes, true);
    this.ctx.sim.at(t + this.ctx.link.lan + this.owdUp, () => {
      this.serverGotClientData(reqBytes);
      this.ctx.sim.after(serverDelay, () => this.serverQueue(respBytes, true));
    });
  }

  /** Client sends application data (a request or TLS Finished). */
  private clientData(t: number, len: number, isRequest = false): void {
    if (this.kind === 'tcp') {
      const off = this.cSnd;
      (this.up as TcpTemplate).emit(this.ctx.cap, t, this.cIsn + 1 + off, this.sIsn + 1 + this.rcvNxt, TcpFlag.PSH | TcpFlag.ACK, this.windowField(), len,
        (f, at, n) => this.fillUp(f, at, n, off, len, isRequest));
      this.cSnd += len;
      this.unacked = 0;
    } else {
      (this.up as UdpTemplate).emit(this.ctx.cap, t, len, (f, at, n) => this.fillShortUp(f, at, n));
      this.unacked = 0;
    }
  }

  private fillUp(f: Uint8Array, at: number, n: number, off: number, len: number, isRequest: boolean): void {
    for (const lit of this.upLiteral) {
      if (lit.off === off) { const k = Math.min(n, lit.bytes.length); f.set(lit.bytes.subarray(0, k), at); if (k < n) this.ctx.pool.fill(f, at + k, n - k); return; }
    }
    this.ctx.pool.fill(f, at, n);
    if (isRequest && n >= 5) { f[at] = 0x17; f[at + 1] = 3; f[at + 2] = 3; f[at + 3] = ((len - 5) >> 8) & 0xff; f[at + 4] = (len - 5) & 0xff; }
  }

  private fillShortUp(f: Uint8Array, at: number, n: number): void {
    this.ctx.pool.fill(f, at, n);
    f[at] = 0x40 | (f[at] & 0x1f);
    const k = Math.min(n - 1, QUIC_SERVER_CID_LEN);
    if (k > 0) f.set(this.serverCid.subarray(0, k), at + 1);
  }

  private fillShortDown(f: Uint8Array, at: number, n: number): void {
    this.ctx.pool.fill(f, at, n);
    f[at] = 0x40 | (f[at] & 0x1f);
  }

  private fillDown(f: Uint8Array, at: number, n: number, off: number, len: number): void {
    for (const lit of this.downLiteral) {
      if (off >= lit.off && off < lit.off + lit.bytes.length) {
        const from = off - lit.off;
        const k = Math.min(n, lit.bytes.length - from);
        f.set(lit.bytes.subarray(from, from + k), at);
        if (k < n) this.ctx.pool.fill(f, at + k, n - k);
        return;
      }
    }
    this.ctx.pool.fill(f, at, n);
    // TLS application-data record headers (16 KiB records) falling inside the captured bytes.
    for (let i = this.respStarts.length - 1; i >= 0; i--) {
      const rs = this.respStarts[i];
      if (rs > off + n) continue;
      const rel = off - rs;
      const rec = 16384 + 22;
      let k = Math.ceil(rel / rec) * rec + rs;
      while (k < off + n && k + 5 <= off + len) {
        const p = at + (k - off);
        if (p + 5 <= at + n) { f[p] = 0x17; f[p + 1] = 3; f[p + 2] = 3; f[p + 3] = 0x40; f[p + 4] = 0x11; }
        k += rec;
      }
      break;
    }
  }

  // ----------------------------------------------------------------- server side

  private serverGotClientData(len: number): void {
    this.sRcv += len;
    this.sAckPending = true;
    const token = ++this.sAckToken;
    this.ctx.sim.after(this.kind === 'tcp' ? 0.04 : 0.025, () => {
      if (token === this.sAckToken && this.sAckPending && !this.serverClosed) this.serverPureAck();
    });
  }

  private serverPureAck(): void {
    this.sAckPending = false;
    this.viaBottleneck(this.kind === 'tcp' ? 54 : 42 + 30, () => {
      const t = this.ctx.sim.now;
      if (this.kind === 'tcp') (this.down as TcpTemplate).emit(this.ctx.cap, t, this.sIsn + 1 + this.sndNxt, this.cIsn + 1 + this.sRcv, TcpFlag.ACK, this.serverWindowField(), 0);
      else (this.down as UdpTemplate).emit(this.ctx.cap, t, 30, (f, at, n) => this.fillShortDown(f, at, n));
    });
  }

  private serverQueue(bytes: number, isResponse = true): void {
    if (this.serverClosed) return;
    if (isResponse && this.kind === 'tcp') this.respStarts.push(this.queued);
    if (this.respStarts.length > 8) this.respStarts.splice(0, this.respStarts.length - 8);
    this.queued += bytes;
    this.trySend();
  }

  private trySend(): void {
    if (this.serverClosed) return;
    const now = this.ctx.sim.now;
    if (this.sndNxt === this.sndUna && now - this.lastSend > this.rto && this.sndNxt > 0) {
      // Slow start after idle (RFC 5681 §4.1, Linux default).
      this.cwnd = Math.min(this.cwnd, 10 * this.mss);
    }
    const limit = Math.min(this.cwnd, this.kind === 'tcp' ? this.rwnd : Infinity);
    while (this.sndNxt < this.queued) {
      const len = Math.min(this.mss, this.queued - this.sndNxt);
      const flight = this.sndNxt - this.sndUna;
      if (flight > 0 && flight + len > limit) break;
      this.sent.push({ off: this.sndNxt, len, tx: now, retx: false });
      this.transmit(this.sndNxt, len);
      this.sndNxt += len;
    }
    if (this.sndNxt > this.sndUna && !this.rtoArmed) this.armRto();
  }

  private transmit(off: number, len: number): void {
    const now = this.ctx.sim.now;
    this.lastSend = now;
    this.sAckPending = false;
    const ackOff = this.sRcv;
    const psh = off + len === this.queued;
    const wire = this.kind === 'tcp' ? 54 + len : 42 + QUIC_DOWN_OVERHEAD + len;
    // Server -> bottleneck propagation; keep per-connection FIFO order.
    let a = now + this.owdDown;
    if (a < this.lastBottleneckArrival) a = this.lastBottleneckArrival;
    this.lastBottleneckArrival = a;
    this.ctx.sim.at(a, () => this.ctx.link.enqueue(wire, () => this.clientReceive(off, len, ackOff, psh)));
  }

  private viaBottleneck(wire: number, deliver: () => void, droppable = true): void {
    let a = this.ctx.sim.now + this.owdDown;
    if (a < this.lastBottleneckArrival) a = this.lastBottleneckArrival;
    this.lastBottleneckArrival = a;
    this.ctx.sim.at(a, () => this.ctx.link.enqueue(wire, deliver, droppable));
  }

  /** (Re)arms the retransmission timer; one pending engine event at a time, re-posted to the deadline. */
  private armRto(): void {
    this.rtoArmed = true;
    this.rtoDeadline = this.ctx.sim.now + this.rto;
    if (!this.rtoEventPending) this.postRto(this.rtoDeadline);
  }

  private postRto(t: number): void {
    this.rtoEventPending = true;
    this.ctx.sim.at(t, () => {
      this.rtoEventPending = false;
      if (!this.rtoArmed) return;
      if (this.ctx.sim.now < this.rtoDeadline) { this.postRto(this.rtoDeadline); return; }
      this.onRto();
    });
  }

  private onRto(): void {
    this.rtoArmed = false;
    if (this.serverClosed || this.sndUna >= this.sndNxt) return;
    this.stats.timeouts++;
    const flight = this.sndNxt - this.sndUna;
    this.ssthresh = Math.max(flight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = true;
    this.recover = this.sndNxt;
    this.dupAcks = 0;
    this.retransmitHead();
    this.rto = Math.min(this.rto * 2, 30);
    this.armRto();
  }

  private retransmitHead(): void {
    while (this.sentHead < this.sent.length && this.sent[this.sentHead].off + this.sent[this.sentHead].len <= this.sndUna) this.sentHead++;
    const seg = this.sent[this.sentHead];
    if (!seg) return;
    seg.retx = true;
    seg.tx = this.ctx.sim.now;
    this.stats.retransmits++;
    this.transmit(seg.off, seg.len);
  }

  private serverOnAck(ackOff: number, rwnd: number): void {
    if (this.serverClosed) return;
    const now = this.ctx.sim.now;
    this.rwnd = rwnd;
    if (ackOff > this.sndUna) {
      const newly = ackOff - this.sndUna;
      let sample = -1;
      while (this.sentHead < this.sent.length && this.sent[this.sentHead].off + this.sent[this.sentHead].len <= ackOff) {
        const s = this.sent[this.sentHead++];
        if (!s.retx) sample = now - s.tx;
      }
      if (this.sentHead > 1024) { this.sent.splice(0, this.sentHead); this.sentHead = 0; }
      if (sample >= 0) {
        if (this.srtt === 0) { this.srtt = sample; this.rttvar = sample / 2; }
        else { this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - sample); this.srtt = 0.875 * this.srtt + 0.125 * sample; }
        this.rto = Math.min(30, Math.max(0.2, this.srtt + 4 * this.rttvar));
      }
      this.sndUna = ackOff;
      this.dupAcks = 0;
      if (this.inRecovery) {
        if (ackOff >= this.recover) { this.inRecovery = false; this.cwnd = Math.max(this.ssthresh, 2 * this.mss); }
        else { this.retransmitHead(); this.cwnd = Math.max(this.cwnd - newly + this.mss, this.mss); }
      } else if (this.cwnd < this.ssthresh) {
        this.cwnd += Math.min(newly, 2 * this.mss);
      } else {
        this.cwnd += (this.mss * newly) / this.cwnd;
      }
      if (this.sndUna >= this.sndNxt) this.rtoArmed = false;
      else this.armRto();
    } else if (ackOff === this.sndUna && this.sndNxt > this.sndUna) {
      this.dupAcks++;
      if (this.dupAcks === 3 && !this.inRecovery) {
        const flight = this.sndNxt - this.sndUna;
        this.ssthresh = Math.max(flight / 2, 2 * this.mss);
        this.cwnd = this.ssthresh + 3 * this.mss;
        this.inRecovery = true;
        this.recover = this.sndNxt;
        this.retransmitHead();
        this.armRto();
      } else if (this.inRecovery && this.dupAcks > 3) {
        this.cwnd += this.mss;
      }
    }
    this.trySend();
  }

  // ----------------------------------------------------------------- client side

  private windowField(): number {
    return Math.min(0xffff, Math.floor(this.rwnd / (1 << this.ws)));
  }

  private clientReceive(off: number, len: number, ackOff: number, psh: boolean): void {
    const t = this.ctx.sim.now;
    const cap = this.ctx.cap;
    this.stats.dataPackets++;
    if (this.kind === 'tcp') {
      (this.down as TcpTemplate).emit(cap, t, this.sIsn + 1 + off, this.cIsn + 1 + ackOff, TcpFlag.ACK | (psh ? TcpFlag.PSH : 0), this.serverWindowField(), len,
        (f, at, n) => this.fillDown(f, at, n, off, len));
    } else {
      (this.down as UdpTemplate).emit(cap, t, QUIC_DOWN_OVERHEAD + len, (f, at, n) => this.fillShortDown(f, at, n));
    }
    if (this.closed) return;
    let immediate = false;
    if (off === this.rcvNxt) {
      this.rcvNxt += len;
      if (this.ooo.length > 0) {
        immediate = true; // a gap was filled
        while (this.ooo.length > 0 && this.ooo[0][0] <= this.rcvNxt) {
          this.rcvNxt = Math.max(this.rcvNxt, this.ooo[0][1]);
          this.ooo.shift();
        }
      }
      this.unacked++;
      this.received = this.rcvNxt;
    } else if (off > this.rcvNxt) {
      this.insertOoo(off, off + len);
      immediate = true; // duplicate ACK
    } else {
      immediate = true; // spurious retransmission
    }
    // Client receive buffer autotuning: grows with the data received.
    if (this.kind === 'tcp') this.rwnd = Math.min(this.rwndMax, Math.max(this.rwnd, 65535 + 2 * this.rcvNxt));
    let completed = false;
    while (this.pending.length > 0 && this.pending[0].end <= this.rcvNxt) {
      const p = this.pending.shift()!;
      completed = true;
      if (p.done) p.done(t);
    }
    if (immediate || completed || this.unacked >= 2) this.clientAck(t);
    else if (!this.delAckArmed) {
      this.delAckArmed = true;
      const token = ++this.delAckToken;
      this.ctx.sim.after(this.kind === 'tcp' ? 0.04 : 0.025, () => {
        if (token === this.delAckToken && this.delAckArmed) { this.delAckArmed = false; if (this.unacked > 0 && !this.closed) this.clientAck(this.ctx.sim.now); }
      });
    }
  }

  private serverWindowField(): number { return Math.min(0xffff, Math.floor(262144 / (1 << this.serverWs))); }

  private insertOoo(s: number, e: number): void {
    const r = this.ooo;
    let i = 0;
    while (i < r.length && r[i][0] < s) i++;
    r.splice(i, 0, [s, e]);
    // merge
    const merged: [number, number][] = [];
    for (const x of r) {
      const last = merged[merged.length - 1];
      if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
      else merged.push([x[0], x[1]]);
    }
    r.length = 0;
    r.push(...merged);
  }

  private clientAck(t: number): void {
    this.unacked = 0;
    this.delAckArmed = false;
    this.delAckToken++;
    this.stats.ackPackets++;
    if (this.kind === 'tcp') {
      (this.up as TcpTemplate).emit(this.ctx.cap, t, this.cIsn + 1 + this.cSnd, this.sIsn + 1 + this.rcvNxt, TcpFlag.ACK, this.windowField(), 0);
    } else {
      const len = 1 + QUIC_SERVER_CID_LEN + 2 + this.ctx.rng.int(5, 9) + 16;
      (this.up as UdpTemplate).emit(this.ctx.cap, t, len, (f, at, n) => this.fillShortUp(f, at, n));
    }
    const ackOff = this.rcvNxt;
    const rwnd = this.rwnd;
    this.ctx.sim.at(t + this.ctx.link.lan + this.owdUp, () => this.serverOnAck(ackOff, rwnd));
  }

  // ----------------------------------------------------------------- closing

  /** Closes the connection: TCP FIN handshake (or RST when `abort`), QUIC CONNECTION_CLOSE. */
  close(abort = false, onClosed?: () => void): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed = onClosed;
    const { sim } = this.ctx;
    const t = sim.now;
    if (!this.ready && this.kind === 'tcp' && this.cSnd === 0 && this.rcvNxt === 0) abort = true;
    if (this.kind === 'quic') {
      (this.up as UdpTemplate).emit(this.ctx.cap, t, this.ctx.rng.int(30, 45), (f, at, n) => this.fillShortUp(f, at, n));
      sim.at(t + this.ctx.link.lan + this.owdUp, () => { this.serverClosed = true; this.finish(); });
      return;
    }
    const seq = this.cIsn + 1 + this.cSnd;
    const ack = this.sIsn + 1 + this.rcvNxt;
    if (abort) {
      (this.up as TcpTemplate).emit(this.ctx.cap, t, seq, ack, TcpFlag.RST | TcpFlag.ACK, 0, 0);
      sim.at(t + this.ctx.link.lan + this.owdUp, () => { this.serverClosed = true; this.finish(); });
      return;
    }
    (this.up as TcpTemplate).emit(this.ctx.cap, t, seq, ack, TcpFlag.FIN | TcpFlag.ACK, this.windowField(), 0);
    sim.at(t + this.ctx.link.lan + this.owdUp, () => {
      this.serverClosed = true;
      const sseq = this.sIsn + 1 + this.sndNxt;
      this.viaBottleneck(54, () => {
        (this.down as TcpTemplate).emit(this.ctx.cap, this.ctx.sim.now, sseq, seq + 1, TcpFlag.FIN | TcpFlag.ACK, this.serverWindowField(), 0);
        (this.up as TcpTemplate).emit(this.ctx.cap, this.ctx.sim.now, seq + 1, sseq + 1, TcpFlag.ACK, this.windowField(), 0);
        this.finish();
      }, false);
    });
  }

  private finish(): void {
    const cb = this.onClosed;
    this.onClosed = undefined;
    if (cb) cb();
  }

  /** Sends a small keep-alive style exchange (used by background long-lived connections). */
  ping(reqBytes: number, respBytes: number): void {
    if (!this.ready || this.closed || this.busy) return;
    this.request(reqBytes, respBytes, () => undefined, 0.002);
  }
}

export { TcpFlag };
