/**
 * The leader's record batches in shared memory, so that followers decode the records their ops
 * name without reading the capture themselves (a second read and parse of the whole file cost
 * a follower ~7 % of the one-thread job; of a gzip file, the whole inflate again).
 *
 * Two pools of slots: byte buffers and batch columns (offsets, lengths, times, link types).
 * A plain file is read straight into them (`BatchStore`: no copy at all); batches from other
 * readers (gzip, streams) are copied in. A slot is reused, oldest first, once every follower
 * has started a later batch; a slot too small for what must go in is replaced by a larger one
 * under a new id.
 */
import type { PacketBatch } from '../capture/batch';
import type { BatchStore } from '../capture/reader';

/** A slot's shared memory as the followers receive it (`replaces`: the id it supersedes, or -1). */
export interface SlotMessage { kind: 'bytes' | 'columns'; id: number; replaces: number; memory: SharedArrayBuffer }

/** Column bytes per record: tsSec (8), offset, caplen, wirelen, tsNsec (4 each), linkType (2). */
const COLUMN_BYTES = 26;
const MIN_SLOT_BYTES = 1 << 19;

/**
 * A PacketBatch over a columns slot (its `buf` is set per batch, from a bytes slot). File
 * offsets (for progress and capture errors, the leader's business) stay out of shared memory.
 */
export function slotBatch(columns: SharedArrayBuffer, fileOffsets = false): PacketBatch {
  const c = columns.byteLength / COLUMN_BYTES;
  return {
    buf: new Uint8Array(0),
    count: 0,
    tsSec: new Float64Array(columns, 0, c),
    offset: new Uint32Array(columns, 8 * c, c),
    caplen: new Uint32Array(columns, 12 * c, c),
    wirelen: new Uint32Array(columns, 16 * c, c),
    tsNsec: new Uint32Array(columns, 20 * c, c),
    linkType: new Uint16Array(columns, 24 * c, c),
    fileOffset: new Float64Array(fileOffsets ? c : 0),
  };
}

/**
 * Slot memory of finished runs, by kind, for the next run to reuse: fresh shared memory is
 * paid in page faults on first touch (~13 ms for the ~31 MB of byte slots of a run here, on
 * the leader's critical path). At most SPARE_BYTES are kept.
 */
const spare: Record<SlotMessage['kind'], SharedArrayBuffer[]> = { bytes: [], columns: [] };
const SPARE_BYTES = 64 << 20;
let spareBytes = 0;

/** Shared memory of at least `bytes` for a slot of this kind: the smallest spare that fits, unless it is much larger. */
function slotMemory(kind: SlotMessage['kind'], bytes: number): SharedArrayBuffer {
  const list = spare[kind];
  let best = -1;
  for (let i = 0; i < list.length; i++) {
    const n = list[i].byteLength;
    if (n >= bytes && n <= 1.5 * bytes && (best < 0 || n < list[best].byteLength)) best = i;
  }
  if (best < 0) return new SharedArrayBuffer(bytes);
  const m = list.splice(best, 1)[0];
  spareBytes -= m.byteLength;
  return m;
}

/** Hands slot memory back for later runs, within SPARE_BYTES in all. */
function keepSpare(kind: SlotMessage['kind'], memory: SharedArrayBuffer[]): void {
  for (const m of memory) if (spareBytes + m.byteLength <= SPARE_BYTES) { spare[kind].push(m); spareBytes += m.byteLength; }
}

/** `lastUse`: the last leader batch that needs the slot; `held`: a reader is filling it. */
interface Slot<T> { id: number; lastUse: number; held: boolean; value: T }

/** What a pool holds: how big a slot is, its view over shared memory, the memory for `need`. */
interface SlotKind<T> { kind: SlotMessage['kind']; size(v: T): number; view(m: SharedArrayBuffer): T; bytesFor(need: number): number }

const BYTES: SlotKind<Uint8Array> = {
  kind: 'bytes', size: (v) => v.length, view: (m) => new Uint8Array(m),
  // Headroom, so that later tails fit without a new buffer.
  bytesFor: (need) => Math.max(need + (need >> 2), MIN_SLOT_BYTES),
};
const COLUMNS: SlotKind<PacketBatch> = {
  kind: 'columns', size: (v) => v.offset.length, view: (m) => slotBatch(m, true), bytesFor: (need) => need * COLUMN_BYTES,
};

/** Slots in the order they were handed out: the head is the one freed first. */
class Pool<T> {
  readonly queue: Slot<T>[] = [];
  constructor(readonly of: SlotKind<T>, private readonly max: number) {}
  private free(oldest: number): boolean {
    const h = this.queue[0];
    return h !== undefined && !h.held && h.lastUse < oldest;
  }
  hasRoom(oldest: number): boolean {
    return this.queue.length < this.max || this.free(oldest);
  }
  /** The oldest free slot (taken out of the queue), or null when a new one may be added. */
  take(oldest: number): Slot<T> | null {
    if (this.free(oldest)) return this.queue.shift()!;
    if (this.queue.length < this.max) return null;
    throw new Error('parallel flows: no free batch slot (the caller must wait for room first)');
  }
}

/** Leader side: the two pools. */
export class SharedBatches implements BatchStore {
  private readonly bytes: Pool<Uint8Array>;
  private readonly columns: Pool<PacketBatch>;
  /** Slots of batches and buffers handed to a reader (zero copy), by object. */
  private readonly ownBatch = new Map<PacketBatch, Slot<PacketBatch>>();
  private readonly ownBuffer = new Map<Uint8Array, Slot<Uint8Array>>();
  /** The buffer the reader reads into now, and whether a batch of it was put since it was handed out. */
  private reading: Slot<Uint8Array> | null = null;
  private readingUsed = false;
  private nextId = 0;
  /** Bytes of shared memory the slots hold. */
  memoryBytes = 0;

  /**
   * `columnSlots`, `byteSlots` bound the memory; `batchRecords`: records per batch; `send` hands
   * a new or replaced slot to every follower; `oldest()`: the first batch a follower may still
   * use; `room(ready)` waits for the followers until `ready()`.
   */
  constructor(columnSlots: number, byteSlots: number, private readonly batchRecords: number, private readonly send: (m: SlotMessage) => void,
    private readonly oldest: () => number, private readonly room: (ready: () => boolean) => void) {
    // Fewer than two cannot work: the slot being filled is held while the previous is in use.
    if (!(columnSlots >= 2 && byteSlots >= 2)) throw new RangeError(`batch slots must be at least 2 of each kind (got ${columnSlots} columns, ${byteSlots} bytes)`);
    this.bytes = new Pool(BYTES, byteSlots);
    this.columns = new Pool(COLUMNS, columnSlots);
  }

  /** BatchStore: a buffer of at least `min` bytes for the reader's next reads. */
  buffer(min: number): Uint8Array {
    const r = this.reading;
    let s: Slot<Uint8Array>;
    if (r !== null && !this.readingUsed) {
      // No batch of the current buffer went out: keep it (or grow it), since waiting for another
      // slot could wait forever, for a follower that cannot move before this buffer's batches.
      if (r.value.length >= min) return r.value;
      this.bytes.queue.splice(this.bytes.queue.indexOf(r), 1);
      s = this.renew(this.bytes, r, min);
    } else {
      s = this.slot(this.bytes, min);
      if (r !== null) r.held = false;
    }
    s.held = true;
    this.reading = s;
    this.readingUsed = false;
    this.ownBuffer.set(s.value, s);
    return s.value;
  }

  /** BatchStore: the batch the reader fills next. */
  batch(): PacketBatch {
    const s = this.slot(this.columns, this.batchRecords);
    s.held = true;
    this.ownBatch.set(s.value, s);
    return s.value;
  }

  /**
   * Leader batch number `n` in shared memory: the ids of its columns and bytes slots. A batch
   * from `batch()` is already there; any other is copied in.
   */
  put(batch: PacketBatch, n: number): { columns: number; bytes: number } {
    const cs = this.ownBatch.get(batch), bs = this.ownBuffer.get(batch.buf);
    if (cs !== undefined && bs !== undefined) {
      this.ownBatch.delete(batch);
      cs.lastUse = n;
      cs.held = false;
      // A buffer serves several batches; it stays held until the reader moves to the next.
      bs.lastUse = n;
      if (bs === this.reading) this.readingUsed = true;
      return { columns: cs.id, bytes: bs.id };
    }
    const count = batch.count, offset = batch.offset, caplen = batch.caplen;
    let lo = Infinity, hi = 0;
    for (let i = 0; i < count; i++) {
      const o = offset[i], e = o + caplen[i];
      if (o < lo) lo = o;
      if (e > hi) hi = e;
    }
    if (count === 0) lo = hi = 0;
    const c = this.slot(this.columns, Math.max(count, this.batchRecords));
    const b = this.slot(this.bytes, hi - lo);
    const to = c.value;
    b.value.set(batch.buf.subarray(lo, hi));
    for (let i = 0; i < count; i++) to.offset[i] = offset[i] - lo;
    to.caplen.set(caplen.subarray(0, count));
    to.wirelen.set(batch.wirelen.subarray(0, count));
    to.tsSec.set(batch.tsSec.subarray(0, count));
    to.tsNsec.set(batch.tsNsec.subarray(0, count));
    to.linkType.set(batch.linkType.subarray(0, count));
    c.lastUse = b.lastUse = n;
    return { columns: c.id, bytes: b.id };
  }

  /**
   * The run is over and every follower is done with the slots: their memory goes to the next
   * run (not after a failure, when a follower may still be reading).
   */
  recycle(): void {
    keepSpare('bytes', this.bytes.queue.map((s) => s.value.buffer as SharedArrayBuffer));
    keepSpare('columns', this.columns.queue.map((s) => s.value.tsSec.buffer as SharedArrayBuffer));
    this.bytes.queue.length = 0;
    this.columns.queue.length = 0;
  }

  /** A free slot of the pool holding at least `need` (waiting for one, replacing a small one), queued as the newest. */
  private slot<T>(pool: Pool<T>, need: number): Slot<T> {
    if (!pool.hasRoom(this.oldest())) this.room(() => pool.hasRoom(this.oldest()));
    const s = pool.take(this.oldest());
    return s !== null && pool.of.size(s.value) >= need ? (pool.queue.push(s), s) : this.renew(pool, s, need);
  }

  /** A new slot of at least `need`, in place of `old` (out of the queue, no follower using it), queued as the newest. */
  private renew<T>(pool: Pool<T>, old: Slot<T> | null, need: number): Slot<T> {
    const memory = slotMemory(pool.of.kind, pool.of.bytesFor(Math.max(need, old ? pool.of.size(old.value) : 0)));
    const m: SlotMessage = { kind: pool.of.kind, id: this.nextId++, replaces: old?.id ?? -1, memory };
    if (old) {
      this.memoryBytes -= old.value instanceof Uint8Array ? old.value.byteLength : pool.of.size(old.value) * COLUMN_BYTES;
      this.ownBuffer.delete(old.value as Uint8Array);
    }
    this.memoryBytes += memory.byteLength;
    this.send(m);
    const s: Slot<T> = { id: m.id, lastUse: 0, held: false, value: pool.of.view(memory) };
    pool.queue.push(s);
    return s;
  }
}
