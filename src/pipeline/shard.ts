import type { PacketBatch } from '../capture/batch';
import { decodeRecord, Skip } from '../decode/decoder';
import { Packet } from '../decode/packet';
import { mix32 } from '../flows/hash';
import { FlowTable } from '../flows/flowTable';
import { DirectionResolver } from '../flows/direction';

/**
 * Splits packets between workers like NIC receive-side scaling: a symmetric hash of the
 * flow's endpoints, so both directions of a flow land on the same worker. At session
 * level the key is the client address instead (all flows of a session, and the client's
 * other traffic, must meet in one worker). The client side of a flow is decided exactly as
 * the pipeline decides it (same DirectionResolver at the flow's first packet, same idle
 * eviction), so the sharder keeps a light flow table of its own at session level.
 */
export class Sharder {
  private readonly p = new Packet();
  private readonly flows: FlowTable | null;
  private readonly direction: DirectionResolver;
  private nextCleanup = -Infinity;

  constructor(readonly shards: number, readonly bySession: boolean, localPrefixes: readonly string[] = [],
    localMacs: readonly string[] = [], private readonly evictSeconds = 600) {
    this.flows = bySession ? new FlowTable() : null;
    this.direction = new DirectionResolver(localPrefixes, localMacs);
  }

  /** The shard of record `i`; sets `dns` when it is a DNS response every shard must learn from. */
  shardOf(batch: PacketBatch, i: number, out: { dns: boolean }): number {
    const p = this.p;
    out.dns = false;
    if (decodeRecord(batch, i, p) !== Skip.None) return 0;
    if (p.protocol === 17 && p.l4 >= 0 && (p.srcPort === 53 || p.srcPort === 5353) && p.payloadCaplen > 0) out.dns = true;
    const hs = endpointHash(p.buf, p.srcAddr, p.ipVersion, this.bySession ? 0 : p.srcPort);
    const hd = endpointHash(p.buf, p.dstAddr, p.ipVersion, this.bySession ? 0 : p.dstPort);
    if (!this.bySession) return mix32(hs ^ hd) % this.shards;
    return mix32(this.srcIsClient(p) ? hs : hd) % this.shards;
  }

  /** Mirrors the pipeline: flow lookup, exact idle eviction, direction at the first packet. */
  private srcIsClient(p: Packet): boolean {
    const t = this.flows!;
    if (p.ts >= this.nextCleanup) {
      if (this.nextCleanup !== -Infinity) {
        const limit = p.ts - this.evictSeconds;
        for (let f = 0; f < t.highWater; f++) if (t.alive[f] && t.lastTs[f] < limit) t.remove(f);
      }
      this.nextCleanup = p.ts + 1;
    }
    let f = t.lookup(p);
    if (!t.lastCreated && p.ts - t.lastTs[f] > this.evictSeconds) { t.remove(f); f = t.lookup(p); }
    if (t.lastCreated) t.clientIsA[f] = t.lastForward === this.direction.senderIsClient(p) ? 1 : 0;
    t.lastTs[f] = p.ts;
    return t.lastForward === (t.clientIsA[f] === 1);
  }
}

function endpointHash(b: Uint8Array, o: number, version: number, port: number): number {
  let h = Math.imul(port + 0x9e3779b9, 0x85ebca6b);
  const n = version === 6 ? 16 : 4;
  for (let i = 0; i < n; i += 4) {
    h = Math.imul(h ^ ((b[o + i] << 24) | (b[o + i + 1] << 16) | (b[o + i + 2] << 8) | b[o + i + 3]), 0xcc9e2d51);
    h ^= h >>> 15;
  }
  return h;
}

/** Records of one batch bound for one worker, packed into transferable buffers. */
export interface ShardMessage {
  type: 'batch';
  count: number;
  data: ArrayBuffer;
  /** Per record: offset, caplen, wirelen, linkType (Uint32 x4), then tsSec (Float64), tsNsec (Uint32), learnOnly (Uint8). */
  meta: ArrayBuffer;
}

/** Packs the records `idx[0..n)` of `batch` for one worker. */
export function packShard(batch: PacketBatch, idx: Int32Array, learn: Uint8Array, n: number): ShardMessage {
  let bytes = 0;
  for (let j = 0; j < n; j++) bytes += batch.caplen[idx[j]];
  const data = new Uint8Array(bytes);
  const meta = new ArrayBuffer(n * (16 + 8 + 4 + 1) + 8);
  const u32 = new Uint32Array(meta, 0, n * 4);
  const f64 = new Float64Array(meta, align8(n * 16), n);
  const ns = new Uint32Array(meta, align8(n * 16) + n * 8, n);
  const lo = new Uint8Array(meta, align8(n * 16) + n * 12, n);
  let o = 0;
  for (let j = 0; j < n; j++) {
    const i = idx[j], cap = batch.caplen[i];
    data.set(batch.buf.subarray(batch.offset[i], batch.offset[i] + cap), o);
    u32[4 * j] = o; u32[4 * j + 1] = cap; u32[4 * j + 2] = batch.wirelen[i]; u32[4 * j + 3] = batch.linkType[i];
    f64[j] = batch.tsSec[i]; ns[j] = batch.tsNsec[i]; lo[j] = learn[j];
    o += cap;
  }
  return { type: 'batch', count: n, data: data.buffer, meta };
}

/** The worker side of `packShard`: a PacketBatch view plus the learn-only flags. */
export function unpackShard(m: ShardMessage): { batch: PacketBatch; learnOnly: Uint8Array } {
  const n = m.count;
  const u32 = new Uint32Array(m.meta, 0, n * 4);
  const offset = new Uint32Array(n), caplen = new Uint32Array(n), wirelen = new Uint32Array(n), linkType = new Uint16Array(n);
  for (let j = 0; j < n; j++) { offset[j] = u32[4 * j]; caplen[j] = u32[4 * j + 1]; wirelen[j] = u32[4 * j + 2]; linkType[j] = u32[4 * j + 3]; }
  const batch: PacketBatch = {
    buf: new Uint8Array(m.data), count: n, offset, caplen, wirelen, linkType,
    tsSec: new Float64Array(m.meta, align8(n * 16), n),
    tsNsec: new Uint32Array(m.meta, align8(n * 16) + n * 8, n),
    fileOffset: new Float64Array(n),
  };
  return { batch, learnOnly: new Uint8Array(m.meta, align8(n * 16) + n * 12, n) };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
