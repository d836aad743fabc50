import type { Packet } from '../decode/packet';
import { mix32 } from './hash';

/** Words of a flow key: endpoint A address (4), endpoint B address (4), ports, protocol+version. */
const KEY_WORDS = 10;

/**
 * Bidirectional 5-tuple flow table: open addressing with linear probing over typed arrays.
 * Both directions of a conversation map to one key because the key stores its two
 * endpoints in a canonical order (A < B); the hash is computed on that canonical key, so
 * it is symmetric. Flow ids are stable indices into the per-flow columns below while
 * the flow lives, and are reused after it is removed.
 */
export class FlowTable {
  /** Number of live flows. */
  size = 0;
  /** Capacity of the per-flow columns (grows by doubling). */
  capacity: number;
  /** Highest flow id ever used + 1 (iterate 0..highWater and test `alive`). */
  highWater = 0;

  // Per-flow columns, indexed by flow id.
  keys: Int32Array;
  hashes: Int32Array;
  alive: Uint8Array;
  firstTs: Float64Array;
  lastTs: Float64Array;
  /** 1 when endpoint A (the canonical first) is the local/client side. */
  clientIsA: Uint8Array;
  /** Service index, -1 when the flow belongs to no configured service. */
  service: Int16Array;
  /** How the service was found (see `CategorizedBy`). */
  categorizedBy: Uint8Array;
  /** Session (unit) id at session level, -1 otherwise. */
  session: Int32Array;
  /** Payload-carrying packets seen while waiting for an SNI. */
  sniTries: Uint8Array;

  /** After `lookup`: whether the packet's source is endpoint A, and whether the flow was just created. */
  lastForward = true;
  lastCreated = false;

  private index: Int32Array;
  private mask: number;
  private freeIds: Int32Array;
  private freeCount = 0;
  private readonly scratch = new Int32Array(KEY_WORDS);
  /** Counters for the summary. */
  inserts = 0;
  removals = 0;

  constructor(initialCapacity = 1 << 12) {
    const cap = Math.max(16, 1 << Math.ceil(Math.log2(initialCapacity)));
    this.capacity = cap;
    this.keys = new Int32Array(cap * KEY_WORDS);
    this.hashes = new Int32Array(cap);
    this.alive = new Uint8Array(cap);
    this.firstTs = new Float64Array(cap);
    this.lastTs = new Float64Array(cap);
    this.clientIsA = new Uint8Array(cap);
    this.service = new Int16Array(cap);
    this.categorizedBy = new Uint8Array(cap);
    this.session = new Int32Array(cap);
    this.sniTries = new Uint8Array(cap);
    this.freeIds = new Int32Array(cap);
    this.index = new Int32Array(cap * 4);
    this.mask = cap * 2 - 1;
  }

  /**
   * Finds or creates the flow of packet `p` (which must be decoded, with an IP header).
   * Sets `lastForward` and `lastCreated`; returns the flow id.
   */
  lookup(p: Packet): number {
    if (p.ipVersion === 4) return this.lookup4(p);
    const k = this.scratch;
    const b = p.buf;
    let s = p.srcAddr, d = p.dstAddr;
    let sp = p.srcPort, dp = p.dstPort;
    for (let w = 0; w < 4; w++) {
      k[w] = (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
      k[4 + w] = (b[d] << 24) | (b[d + 1] << 16) | (b[d + 2] << 8) | b[d + 3];
      s += 4; d += 4;
    }
    // Canonical order on (address, port), signed words: any consistent total order will do.
    let cmp = 0;
    for (let w = 0; w < 4 && cmp === 0; w++) cmp = k[w] < k[4 + w] ? -1 : k[w] > k[4 + w] ? 1 : 0;
    if (cmp === 0) cmp = sp < dp ? -1 : sp > dp ? 1 : 0;
    const forward = cmp <= 0;
    if (!forward) {
      for (let w = 0; w < 4; w++) { const t = k[w]; k[w] = k[4 + w]; k[4 + w] = t; }
      const t = sp; sp = dp; dp = t;
    }
    k[8] = (sp << 16) | dp;
    k[9] = p.protocol | (p.ipVersion << 8);
    // Multiply-xorshift over the canonical key (so both directions hash alike), then a final mix.
    let h = 0x1b873593;
    for (let w = 0; w < KEY_WORDS; w++) {
      h = Math.imul(h ^ k[w], 0x5bd1e995);
      h ^= h >>> 15;
    }
    h = mix32(h) | 0;
    this.lastForward = forward;

    // The index holds (hash, id + 1) pairs side by side: a probe reads one cache line and
    // touches the key columns only when the hash matches.
    const index = this.index, mask = this.mask, keys = this.keys;
    let i = h & mask;
    for (;;) {
      const slot = index[2 * i + 1];
      if (slot === 0) break;
      if (index[2 * i] === h) {
        const base = (slot - 1) * KEY_WORDS;
        if (keys[base] === k[0] && keys[base + 4] === k[4] && keys[base + 8] === k[8] && keys[base + 9] === k[9] &&
          keys[base + 1] === k[1] && keys[base + 2] === k[2] && keys[base + 3] === k[3] &&
          keys[base + 5] === k[5] && keys[base + 6] === k[6] && keys[base + 7] === k[7]) {
          this.lastCreated = false;
          return slot - 1;
        }
      }
      i = (i + 1) & mask;
    }
    return this.insert(p, h, i);
  }

  /**
   * IPv4, the common case, on locals only: one word per address, and a key whose protocol
   * word says version 4 has zeros in the other address words, so four compares decide.
   * IPv4 keys hash only their four non-zero words (a key's hash only has to be self-consistent).
   */
  private lookup4(p: Packet): number {
    const b = p.buf, s = p.srcAddr, d = p.dstAddr;
    let sp = p.srcPort, dp = p.dstPort;
    let a = (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
    let c = (b[d] << 24) | (b[d + 1] << 16) | (b[d + 2] << 8) | b[d + 3];
    const forward = a < c || (a === c && sp <= dp);
    if (!forward) { const t = a; a = c; c = t; const u = sp; sp = dp; dp = u; }
    const ports = (sp << 16) | dp, proto = p.protocol | (4 << 8);
    let h = 0x1b873593;
    h = Math.imul(h ^ a, 0x5bd1e995); h ^= h >>> 15;
    h = Math.imul(h ^ c, 0x5bd1e995); h ^= h >>> 15;
    h = Math.imul(h ^ ports, 0x5bd1e995); h ^= h >>> 15;
    h = Math.imul(h ^ proto, 0x5bd1e995); h ^= h >>> 15;
    h = mix32(h) | 0;
    this.lastForward = forward;
    const index = this.index, mask = this.mask, keys = this.keys;
    let i = h & mask;
    for (;;) {
      const slot = index[2 * i + 1];
      if (slot === 0) break;
      if (index[2 * i] === h) {
        const base = (slot - 1) * KEY_WORDS;
        if (keys[base] === a && keys[base + 4] === c && keys[base + 8] === ports && keys[base + 9] === proto) {
          this.lastCreated = false;
          return slot - 1;
        }
      }
      i = (i + 1) & mask;
    }
    const k = this.scratch;
    k[0] = a; k[1] = 0; k[2] = 0; k[3] = 0; k[4] = c; k[5] = 0; k[6] = 0; k[7] = 0; k[8] = ports; k[9] = proto;
    return this.insert(p, h, i);
  }

  /** Inserts the key in `scratch` (hash `h`) at the free index slot `i` found by the probe. */
  private insert(p: Packet, h: number, i: number): number {
    const k = this.scratch, index = this.index;
    const id = this.allocateId();
    // allocateId may have grown the arrays: write through the fields, not the locals.
    const keys2 = this.keys, base = id * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) keys2[base + w] = k[w]; // a loop beats TypedArray#set for 10 words
    this.hashes[id] = h;
    this.alive[id] = 1;
    this.service[id] = -1;
    this.categorizedBy[id] = 0;
    this.session[id] = -1;
    this.sniTries[id] = 0;
    this.firstTs[id] = p.ts;
    this.lastTs[id] = p.ts;
    this.size++;
    this.inserts++;
    if (this.index !== index) this.place(id, h); // index was rebuilt by a grow
    else { index[2 * i] = h; index[2 * i + 1] = id + 1; }
    if (this.size * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    this.lastCreated = true;
    return id;
  }

  /** Removes flow `id` (backward-shift deletion keeps probe chains intact without tombstones). */
  remove(id: number): void {
    if (!this.alive[id]) return;
    const index = this.index, mask = this.mask;
    let i = this.hashes[id] & mask;
    while (index[2 * i + 1] !== id + 1) {
      if (index[2 * i + 1] === 0) throw new Error(`flow table corrupted: flow ${id} not in index`);
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const slot = index[2 * j + 1];
      if (slot === 0) break;
      const home = index[2 * j] & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      index[2 * i] = index[2 * j];
      index[2 * i + 1] = slot;
      i = j;
    }
    index[2 * i] = 0;
    index[2 * i + 1] = 0;
    this.alive[id] = 0;
    this.freeIds[this.freeCount++] = id;
    this.size--;
    this.removals++;
  }

  /** Address of endpoint A or B of a flow as 16 bytes (IPv4 in the first four). */
  endpointBytes(id: number, endpointB: boolean, out: Uint8Array): void {
    const base = id * KEY_WORDS + (endpointB ? 4 : 0);
    for (let w = 0; w < 4; w++) {
      const v = this.keys[base + w];
      out[4 * w] = (v >>> 24) & 0xff; out[4 * w + 1] = (v >>> 16) & 0xff; out[4 * w + 2] = (v >>> 8) & 0xff; out[4 * w + 3] = v & 0xff;
    }
  }

  port(id: number, endpointB: boolean): number {
    const v = this.keys[id * KEY_WORDS + 8];
    return endpointB ? v & 0xffff : (v >>> 16) & 0xffff;
  }

  protocol(id: number): number { return this.keys[id * KEY_WORDS + 9] & 0xff; }
  ipVersion(id: number): number { return this.keys[id * KEY_WORDS + 9] >>> 8; }

  /** Bytes held by the table's arrays (capacity, not only live flows). */
  stateBytes(): number {
    return this.keys.byteLength + this.hashes.byteLength + this.alive.byteLength + this.firstTs.byteLength +
      this.lastTs.byteLength + this.clientIsA.byteLength + this.service.byteLength + this.categorizedBy.byteLength +
      this.session.byteLength + this.sniTries.byteLength + this.freeIds.byteLength + this.index.byteLength;
  }

  private allocateId(): number {
    if (this.freeCount > 0) return this.freeIds[--this.freeCount];
    if (this.highWater === this.capacity) this.grow(this.capacity * 2);
    return this.highWater++;
  }

  private place(id: number, h: number): void {
    let i = h & this.mask;
    while (this.index[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    this.index[2 * i] = h;
    this.index[2 * i + 1] = id + 1;
  }

  private rehash(size: number): void {
    this.index = new Int32Array(2 * size);
    this.mask = size - 1;
    for (let id = 0; id < this.highWater; id++) if (this.alive[id]) this.place(id, this.hashes[id]);
  }

  private grow(cap: number): void {
    const g = <T extends Uint8Array | Int16Array | Int32Array | Float64Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.keys = g(this.keys, cap * KEY_WORDS);
    this.hashes = g(this.hashes, cap);
    this.alive = g(this.alive, cap);
    this.firstTs = g(this.firstTs, cap);
    this.lastTs = g(this.lastTs, cap);
    this.clientIsA = g(this.clientIsA, cap);
    this.service = g(this.service, cap);
    this.categorizedBy = g(this.categorizedBy, cap);
    this.session = g(this.session, cap);
    this.sniTries = g(this.sniTries, cap);
    this.freeIds = g(this.freeIds, cap);
    this.capacity = cap;
    if (this.mask + 1 < cap * 2) this.rehash(cap * 2);
  }
}
