/**
 * Parallel flows for one capture, leader side. The calling thread (the leader) runs the whole
 * data path once: decode, flow table, services, sessions, bin clocks, and the feature classes
 * of the units it owns. For a unit owned by a follower thread it writes what its classes must
 * do as a compact op: "init unit u with record r", "add record r to u", "emit u's bin b as row
 * seq", "release u". Each batch the leader reads lies in shared memory (a plain file is read
 * straight into it, other sources are copied in: sharedBatches.ts); followers (follower.ts)
 * decode only the records their ops name and run their classes: neither the reading nor the
 * data path is repeated, so the split costs a follower little more than its share of the
 * feature work.
 *
 * Ops go through a ring of shared memory per follower (no message, no copy, no allocation
 * per batch); the leader publishes them after each batch. New shared memory (row chunks, batch
 * slots) and, for text output, the labels of new units go beside, as messages. Owners are
 * dealt by load; the leader's own data path counts as load too, with a weight tuned while the
 * run goes from how far behind the followers are, so both threads finish together on a noisy
 * machine. Which thread owns a unit never changes a value: output is that of one thread, row
 * for row.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PacketBatch } from '../capture/batch';
import { DEFAULT_BATCH_SIZE } from '../capture/reader';
import type { UnitLabel } from './serviceRuntime';
import { SharedBatches, SlotMessage } from './sharedBatches';

export const enum Op { Batch = 1, Init = 2, Add = 3, Other = 4, Emit = 5, FlowEnded = 6, Release = 7 }

/**
 * Op layouts in the int ring, first word `op | flags`:
 * Batch: [op, columns slot, bytes slot, records] (the leader's next batch, in shared memory);
 * Init: [op, unit, record in batch, flow, service, local port, remote port]; Other: [op, unit,
 * record in batch, flow, service]; Emit: [op, unit, bin index, flows]
 * + nums [bin start, row seq]; FlowEnded: [op, unit, flow]; Release: [op, unit].
 * Add, one per packet and so the bulk of the ring, packs the record into its first word:
 * [op | flags | record << REC_SHIFT, unit] + flow when the FLOW flag is set (else flow = unit).
 */
export const UP = 0x10, FLOW = 0x20, OP_MASK = 0x0f, REC_SHIFT = 8;
/** Records a batch may hold for the packed Add op (2^23; batches are 4096 by default). */
export const MAX_BATCH_RECORDS = 1 << (31 - REC_SHIFT);

/**
 * Shared control words: [0] status (0 running, 1 a follower failed, 2 the leader aborted),
 * then five words per follower k (1-based), see the slot functions.
 */
export const STATUS = 0, FAILED = 1, ABORTED = 2;
const SLOTS = 5;
/** Ints published by the leader (a ring position counted from the start, mod 2^32). */
export const pubInts = (k: number) => SLOTS * k - 4;
/** Ints and nums the follower is done with (the leader may overwrite them). */
export const doneInts = (k: number) => SLOTS * k - 3, doneNums = (k: number) => SLOTS * k - 2;
/** Batches the follower has started; the leader's wake-up counter (bumped at each publish; ENDED set at the end). */
export const startedBatches = (k: number) => SLOTS * k - 1, signal = (k: number) => SLOTS * k;
export const ENDED = 1 << 30;

/** Default ring sizes (powers of two): 4 MiB of ints and 1 MiB of nums per follower bound the backlog. */
export const RING_INTS = 1 << 20, RING_NUMS = 1 << 17;

/**
 * What the leader sends beside the ops: chunks of shared rows (sharedRows.ts), batch slots, and
 * for text output the labels of new units (a table's strings are the leader's to write: its
 * followers get a unit's ports in the Init op and no message per batch).
 */
export interface RelayMessage { labels: UnitLabel[]; chunks: [number, SharedArrayBuffer][]; slots: SlotMessage[] }

/** Tells the leader that follower `k` failed (its error goes back with its reply). */
export function followerFailed(memory: RelayMemory, k: number): void {
  const ctl = new Int32Array(memory.control);
  Atomics.store(ctl, STATUS, FAILED);
  Atomics.notify(ctl, doneInts(k));
}

/** A follower failed: its own error comes with its reply; the leader stops here. */
export class FollowerFailed extends Error {
  constructor() { super('parallel flows: a follower thread failed'); this.name = 'FollowerFailed'; }
}

/**
 * The backlog (batches a follower has not started) the leader's weight steers followers to:
 * a cushion of TARGET batches (at most CUSHION of the capture), so a phase where the leader's
 * own units are busy does not starve them, shrinking to none over the last TAIL of the
 * capture, since what is left at the end the leader waits for. GAIN: weight change per batch
 * of error, in initial weights. (Tuned on the Requet merges with bench/parallel.)
 */
const TARGET = 32, CUSHION = 0.06, TAIL = 0.3, GAIN = 0.0017;
/** Bounds of the weight, in initial weights. */
const MIN_WEIGHT = -0.67, MAX_WEIGHT = 2;
/**
 * Batch slots in shared memory: columns (~0.1 MB, one per batch) for twice the cushion, so the
 * leader seldom waits for them; byte buffers (~1.3 MB, reads of 1 MB, 2-3 batches each) for
 * about as many batches. At most ~38 MB, whatever the capture's size.
 */
const COLUMN_SLOTS = 2 * TARGET, BYTE_SLOTS = 24;
/** A follower that frees no ring space for this long while the leader waits is taken for dead. */
const STALL_MS = 60_000;

/** The shared memory of a split run: control words, and each follower's two rings. */
export interface RelayMemory {
  control: SharedArrayBuffer;
  rings: { ints: SharedArrayBuffer; nums: SharedArrayBuffer }[];
}

/** Shared memory for `followers` followers; ring sizes (powers of two, in elements) are for tests and measurements. */
export function relayMemory(followers: number, ringInts = RING_INTS, ringNums = RING_NUMS): RelayMemory {
  if (!(isPowerOfTwo(ringInts) && isPowerOfTwo(ringNums) && ringInts >= 8 && ringNums >= 4)) throw new Error(`relay rings must be powers of two (got ${ringInts}, ${ringNums})`);
  return {
    control: new SharedArrayBuffer(4 * (SLOTS * followers + 1)),
    rings: Array.from({ length: followers }, () => ({ ints: new SharedArrayBuffer(4 * ringInts), nums: new SharedArrayBuffer(8 * ringNums) })),
  };
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** One follower's end of the relay, on the leader's side. */
class Outbox {
  readonly ints: Int32Array;
  readonly nums: Float64Array;
  readonly im: number;
  readonly nm: number;
  /** Write positions (published or not) and the follower's done positions as last read. */
  wi = 0; wn = 0; di = 0; dn = 0;
  labels: UnitLabel[] = [];
  chunks: [number, SharedArrayBuffer][] = [];
  slots: SlotMessage[] = [];
  batches = 0;
  constructor(readonly k: number, readonly port: MessagePort, ring: RelayMemory['rings'][number]) {
    this.ints = new Int32Array(ring.ints);
    this.nums = new Float64Array(ring.nums);
    this.im = this.ints.length - 1;
    this.nm = this.nums.length - 1;
  }
}

export class Relay {
  /** Workers, leader included. */
  readonly count: number;
  /**
   * Load the leader's data path adds per packet (in class calls), tuned as the run goes: a
   * larger weight deals more new units to the followers. It may go below zero (the leader
   * then takes more than its share of new units, to let followers catch up).
   */
  controlWeight: number;
  /** Fraction of the capture read so far (0..1), when known (the backlog aimed at shrinks near the end). */
  progress = 0;
  private readonly minWeight: number;
  private readonly maxWeight: number;
  private readonly initialWeight: number;
  private readonly out: Outbox[];
  private readonly ctl: Int32Array;
  /** Time the leader waited for a follower to free ring space (ms). */
  waitMs = 0;
  /** Leader batches so far. */
  private batches = 0;
  /** Where the leader's batches go for the followers (a plain file is read straight into it). */
  readonly store: SharedBatches;

  /** Whether followers get new units' labels (text output, where they encode whole rows). */
  private readonly sendLabels: boolean;

  /**
   * `ports[k-1]` reaches follower k; `memory` is shared with the followers; `labels`: send new
   * units' labels (text output); `slots`: see SharedBatches.
   */
  constructor(ports: MessagePort[], memory: RelayMemory, initialWeight: number,
    opts: { labels?: boolean; slots?: { columns: number; bytes: number } } = {}) {
    const slots = opts.slots ?? { columns: COLUMN_SLOTS, bytes: BYTE_SLOTS };
    this.sendLabels = opts.labels ?? true;
    this.count = ports.length + 1;
    this.ctl = new Int32Array(memory.control);
    this.out = ports.map((port, i) => new Outbox(i + 1, port, memory.rings[i]));
    this.controlWeight = initialWeight;
    this.minWeight = MIN_WEIGHT * initialWeight;
    this.maxWeight = MAX_WEIGHT * initialWeight;
    this.initialWeight = initialWeight;
    this.store = new SharedBatches(slots.columns, slots.bytes, DEFAULT_BATCH_SIZE, (m) => { for (const o of this.out) o.slots.push(m); },
      () => this.oldestStarted(), (ready) => this.waitFor(this.slowest(), ready));
  }

  /** A unit starts on record `i` of the batch (its first packet), with its row label. */
  init(owner: number, unit: number, i: number, flow: number, up: boolean, svc: number, label: UnitLabel): void {
    const o = this.room(owner, 7, 0);
    const a = o.ints, w = o.wi, M = o.im;
    a[w & M] = Op.Init | (up ? UP : 0);
    a[(w + 1) & M] = unit; a[(w + 2) & M] = i; a[(w + 3) & M] = flow; a[(w + 4) & M] = svc;
    a[(w + 5) & M] = label.localPort; a[(w + 6) & M] = label.remotePort;
    o.wi = w + 7;
    if (this.sendLabels) o.labels.push(label);
  }

  /** Record `i` of the batch for the unit's classes; `flow` is the packet's (session level: not the unit). */
  add(owner: number, unit: number, i: number, flow: number, up: boolean): void {
    const sameFlow = flow === unit;
    const o = this.room(owner, sameFlow ? 2 : 3, 0);
    const a = o.ints, w = o.wi, M = o.im;
    a[w & M] = Op.Add | (up ? UP : 0) | (sameFlow ? 0 : FLOW) | (i << REC_SHIFT);
    a[(w + 1) & M] = unit;
    if (sameFlow) { o.wi = w + 2; return; }
    a[(w + 2) & M] = flow;
    o.wi = w + 3;
  }

  /** Record `i` of the batch, of the client's other traffic, for the unit's classes that take it. */
  other(owner: number, unit: number, i: number, flow: number, up: boolean, svc: number): void {
    const o = this.room(owner, 5, 0);
    const a = o.ints, w = o.wi, M = o.im;
    a[w & M] = Op.Other | (up ? UP : 0);
    a[(w + 1) & M] = unit; a[(w + 2) & M] = i; a[(w + 3) & M] = flow; a[(w + 4) & M] = svc;
    o.wi = w + 5;
  }

  emit(owner: number, unit: number, b: number, flows: number, binStart: number, seq: number): void {
    const o = this.room(owner, 4, 2);
    const a = o.ints, w = o.wi, M = o.im;
    a[w & M] = Op.Emit; a[(w + 1) & M] = unit; a[(w + 2) & M] = b; a[(w + 3) & M] = flows;
    o.wi = w + 4;
    o.nums[o.wn & o.nm] = binStart; o.nums[(o.wn + 1) & o.nm] = seq;
    o.wn += 2;
  }

  flowEnded(owner: number, unit: number, flow: number): void {
    const o = this.room(owner, 3, 0);
    const a = o.ints, w = o.wi, M = o.im;
    a[w & M] = Op.FlowEnded; a[(w + 1) & M] = unit; a[(w + 2) & M] = flow;
    o.wi = w + 3;
  }

  release(owner: number, unit: number): void {
    const o = this.room(owner, 2, 0);
    o.ints[o.wi & o.im] = Op.Release; o.ints[(o.wi + 1) & o.im] = unit;
    o.wi += 2;
  }

  /** A chunk of shared rows, for every follower (sent before any op that needs it). */
  attachChunk(index: number, chunk: SharedArrayBuffer): void {
    for (const o of this.out) o.chunks.push([index, chunk]);
  }

  /** The leader's next batch, put in shared memory for the followers (packet ops name its records by index). */
  batchStart(batch: PacketBatch): void {
    if (batch.count > MAX_BATCH_RECORDS) throw new RangeError(`parallel flows: batches of at most ${MAX_BATCH_RECORDS} records (got ${batch.count}; batchSize)`);
    const n = ++this.batches;
    const at = this.store.put(batch, n);
    for (const o of this.out) {
      this.room(o.k, 4, 0);
      const w = o.wi, M = o.im;
      o.ints[w & M] = Op.Batch; o.ints[(w + 1) & M] = at.columns; o.ints[(w + 2) & M] = at.bytes; o.ints[(w + 3) & M] = batch.count;
      o.wi = w + 4;
      o.batches++;
    }
  }

  /** The fewest batches any follower has started. */
  private oldestStarted(): number {
    let m = Infinity;
    for (const o of this.out) m = Math.min(m, Atomics.load(this.ctl, startedBatches(o.k)));
    return m;
  }

  private slowest(): number {
    let k = 1, m = Infinity;
    for (const o of this.out) {
      const s = Atomics.load(this.ctl, startedBatches(o.k));
      if (s < m) { m = s; k = o.k; }
    }
    return k;
  }

  /**
   * After each leader batch: publishes the ops and retunes the leader's weight from the
   * followers' backlog.
   */
  batchDone(): void {
    const ctl = this.ctl;
    let maxBacklog = 0;
    for (const o of this.out) {
      this.publish(o);
      maxBacklog = Math.max(maxBacklog, o.batches - Atomics.load(ctl, startedBatches(o.k)));
    }
    if (Atomics.load(ctl, STATUS) === FAILED) throw new FollowerFailed();
    // The capture's batch count, estimated from how far it is read (unknown at first: the full cushion).
    const total = this.progress > 0.02 ? this.batches / this.progress : Infinity;
    const target = Math.min(TARGET, CUSHION * total) * Math.min(1, (1 - this.progress) / TAIL);
    const w = this.controlWeight - GAIN * this.initialWeight * (maxBacklog - target);
    this.controlWeight = Math.min(this.maxWeight, Math.max(this.minWeight, w));
  }

  /** Publishes the ops written so far (the flush at the end of the capture, in parts). */
  publishOps(): void {
    for (const o of this.out) this.publish(o);
    if (Atomics.load(this.ctl, STATUS) === FAILED) throw new FollowerFailed();
  }

  /** The last ops (the flush at the end of the capture) and the end of the stream. */
  finish(): void {
    for (const o of this.out) {
      this.publish(o);
      Atomics.or(this.ctl, signal(o.k), ENDED);
      Atomics.notify(this.ctl, signal(o.k));
    }
    if (Atomics.load(this.ctl, STATUS) === FAILED) throw new FollowerFailed();
  }

  /** Stops the followers (the leader failed). */
  abort(): void {
    Atomics.store(this.ctl, STATUS, ABORTED);
    for (const o of this.out) { Atomics.add(this.ctl, signal(o.k), 1); Atomics.notify(this.ctl, signal(o.k)); }
  }

  /** The follower's outbox with room for `ints` and `nums` more; waits for the follower while its ring is full. */
  private room(owner: number, ints: number, nums: number): Outbox {
    const o = this.out[owner - 1];
    if (o.wi + ints - o.di <= o.ints.length && o.wn + nums - o.dn <= o.nums.length) return o;
    // Not inline: its closure's context would be allocated on every call, ~40 bytes a packet.
    return this.waitForRoom(o, ints, nums);
  }

  /** room(), once the ring is full as last seen. */
  private waitForRoom(o: Outbox, ints: number, nums: number): Outbox {
    const ctl = this.ctl, owner = o.k;
    // Full as last seen: publish what is written (the follower may be waiting for it), then wait.
    this.publish(o);
    this.waitFor(owner, () => {
      o.di = unwrap(Atomics.load(ctl, doneInts(o.k)), o.wi);
      o.dn = unwrap(Atomics.load(ctl, doneNums(o.k)), o.wn);
      return o.wi + ints - o.di <= o.ints.length && o.wn + nums - o.dn <= o.nums.length;
    });
    return o;
  }

  /** Waits until `ready()`, which follower `k`'s progress brings about (its ops are published). */
  private waitFor(k: number, ready: () => boolean): void {
    const ctl = this.ctl;
    let since = performance.now(), seen = Atomics.load(ctl, doneInts(k));
    while (!ready()) {
      if (Atomics.load(ctl, STATUS) === FAILED) throw new FollowerFailed();
      const t0 = performance.now(), done = Atomics.load(ctl, doneInts(k));
      if (done !== seen) { seen = done; since = t0; }
      // A thread that died without a word (killed, out of memory) must not hold the run forever.
      if (t0 - since > STALL_MS) throw new Error(`parallel flows: follower ${k} made no progress for ${STALL_MS / 1000} s`);
      Atomics.wait(ctl, doneInts(k), done, 100);
      this.waitMs += performance.now() - t0;
    }
  }

  private publish(o: Outbox): void {
    // Messages first: a follower that meets an op finds what it needs already sent.
    if (o.labels.length || o.chunks.length || o.slots.length) {
      const m: RelayMessage = { labels: o.labels, chunks: o.chunks, slots: o.slots };
      o.port.postMessage(m);
      o.labels = []; o.chunks = []; o.slots = [];
    }
    Atomics.store(this.ctl, pubInts(o.k), o.wi | 0);
    Atomics.add(this.ctl, signal(o.k), 1);
    Atomics.notify(this.ctl, signal(o.k));
  }
}

/** A 32-bit position read back as the full count, given a count it is at most 2^31 behind. */
export function unwrap(pos32: number, near: number): number {
  return near - ((near - pos32) | 0);
}
