/**
 * Parallel flows for one capture, follower side (see relay.ts): decodes only the records its
 * ops name, from the leader's batches in shared memory, and runs the feature classes of the
 * units the leader gave it. No flow table, services or bin clocks here: the leader's ops say when a unit
 * starts, which packets it gets, when each bin closes (with the row's position in a
 * one-thread run) and when the unit ends.
 */
import { receiveMessageOnPort, MessagePort } from 'node:worker_threads';
import type { PacketBatch } from '../capture/batch';
import { slotBatch } from './sharedBatches';
import { decodeRecord, Skip } from '../decode/decoder';
import { Packet } from '../decode/packet';
import type { RefineryConfig } from '../config/config';
import type { RowSink } from './rows';
import { buildRuntimes, blankRow, emitRow, classStateBytes, ServiceRuntime, UnitLabel } from './serviceRuntime';
import {
  Op, UP, FLOW, OP_MASK, REC_SHIFT, STATUS, ABORTED, ENDED, RelayMemory, RelayMessage,
  pubInts, doneInts, doneNums, startedBatches, signal, unwrap,
} from './relay';

export interface FollowerOptions {
  config: RefineryConfig;
  bins: readonly number[];
  level: 'flow' | 'session';
  capture: string;
  raw: boolean;
  onlyClasses?: readonly string[];
  sink: RowSink;
  /** Called as each leader batch starts (text output posts its lines then). */
  onBatch?: () => void;
  /** The leader sends new units' labels (text output); without, rows carry only the ports (tables: the leader writes the strings). */
  labels: boolean;
}

export class Follower {
  /** Packets this follower ran feature classes on. */
  ownedPackets = 0;
  rows = 0;
  /** Time spent waiting for the leader's ops (ms). */
  waitMs = 0;
  private readonly runtimes: ServiceRuntime[];
  private readonly bins: readonly number[];
  private readonly row;
  private readonly p = new Packet();
  private unitService = new Int16Array(1024);
  private readonly unitLabel: (UnitLabel | undefined)[] = [];
  private readonly ctl: Int32Array;
  private readonly ints: Int32Array;
  private readonly nums: Float64Array;
  /** Read positions in the rings, the published end of the ints. */
  private ri = 0;
  private rn = 0;
  private published = 0;
  private started = 0;
  /** The leader's batch the packet ops name records of, and the shared slots by id. */
  private cur: PacketBatch | null = null;
  private readonly columnSlots = new Map<number, PacketBatch>();
  private readonly byteSlots = new Map<number, Uint8Array>();
  private labels: UnitLabel[] = [];
  private nextLabel = 0;
  /** Chunks of shared rows received, by index. */
  private readonly chunks = new Map<number, SharedArrayBuffer>();
  private ended = false;
  /** Index in `cur` of the record decoded into `p` (-1: none yet). */
  private decoded = -1;

  constructor(private readonly opts: FollowerOptions, private readonly port: MessagePort, memory: RelayMemory, private readonly k: number) {
    const { runtimes, featureColumns } = buildRuntimes(opts.config, opts.bins, opts.level, opts.onlyClasses);
    this.runtimes = runtimes;
    this.bins = opts.bins;
    this.row = blankRow(opts.level, opts.capture);
    this.ctl = new Int32Array(memory.control);
    this.ints = new Int32Array(memory.rings[k - 1].ints);
    this.nums = new Float64Array(memory.rings[k - 1].nums);
    opts.sink.begin?.(featureColumns);
  }

  /** Runs the leader's ops until the end of its stream. */
  runAll(): void {
    const ints = this.ints, IM = ints.length - 1;
    for (;;) {
      if (this.ri >= this.published && !this.waitForOps()) return;
      const op = ints[this.ri & IM] & OP_MASK;
      if (op === Op.Add) {
        this.addRun();
      } else if (op === Op.Init || op === Op.Other) {
        this.decode(ints[(this.ri + 2) & IM]);
        this.unitOp(op);
      } else {
        this.controlOp(op);
      }
    }
  }

  stateBytes(): Record<string, number> {
    return classStateBytes(this.runtimes);
  }

  /** The hot path: consecutive Add ops (a packet for a unit's classes) up to the first other op. */
  private addRun(): void {
    const ints = this.ints, IM = ints.length - 1, p = this.p, unitService = this.unitService, runtimes = this.runtimes;
    const nb = this.bins.length, published = this.published, batch = this.cur!;
    let ri = this.ri, decoded = this.decoded, owned = 0;
    while (ri < published) {
      const word = ints[ri & IM];
      if ((word & OP_MASK) !== Op.Add) break;
      const unit = ints[(ri + 1) & IM], rec = word >>> REC_SHIFT;
      if (rec !== decoded) {
        if (rec >= batch.count) this.badRecord(rec);
        const skip = decodeRecord(batch, rec, p);
        if (skip !== Skip.None) this.badRecord(rec, skip);
        decoded = rec;
      }
      const hasFlow = (word & FLOW) !== 0, svc = unitService[unit], adders = runtimes[svc].adders;
      p.up = (word & UP) !== 0;
      p.flow = hasFlow ? ints[(ri + 2) & IM] : unit;
      p.service = svc;
      for (let b = 0; b < nb; b++) adders[b](p, unit);
      owned++;
      ri += hasFlow ? 3 : 2;
    }
    this.ri = ri;
    this.decoded = decoded;
    this.ownedPackets += owned;
  }

  private decode(rec: number): void {
    if (rec === this.decoded) return;
    const batch = this.cur;
    if (batch === null || rec >= batch.count) this.badRecord(rec);
    const skip = decodeRecord(batch!, rec, this.p);
    if (skip !== Skip.None) this.badRecord(rec, skip);
    this.decoded = rec;
  }

  private badRecord(rec: number, skip?: Skip): never {
    const n = this.cur?.count ?? 0;
    throw new Error(skip === undefined
      ? `parallel flows: an op names record ${rec} of a leader batch of ${n} records`
      : `parallel flows: record ${rec} of leader batch ${this.started} does not decode here as it did in the leader (skip ${skip})`);
  }

  /** Init (a unit starts on this packet) or Other (a packet of the client's other traffic). */
  private unitOp(op: Op): void {
    const ints = this.ints, IM = ints.length - 1, ri = this.ri, p = this.p, word = ints[ri & IM], unit = ints[(ri + 1) & IM];
    p.up = (word & UP) !== 0;
    p.flow = ints[(ri + 3) & IM];
    p.service = ints[(ri + 4) & IM];
    if (op === Op.Init) {
      this.init(unit, p.service, ints[(ri + 5) & IM], ints[(ri + 6) & IM]);
      this.ri = ri + 7;
      return;
    }
    const others = this.runtimes[this.unitService[unit]].others;
    for (let b = 0; b < others.length; b++) for (const c of others[b]) c.addOtherPacket!(p, unit);
    this.ri = ri + 5;
  }

  /** Ops without a packet: a bin to emit, a batch boundary, a flow or unit that ended. */
  private controlOp(op: Op): void {
    const ints = this.ints, nums = this.nums, IM = ints.length - 1, NM = nums.length - 1, ri = this.ri, rn = this.rn, unit = ints[(ri + 1) & IM];
    if (op === Op.Emit) {
      const b = ints[(ri + 2) & IM], svc = this.unitService[unit];
      emitRow(this.opts.sink, this.row, this.runtimes[svc], svc, b, this.bins[b], unit, nums[rn & NM], this.unitLabel[unit]!, ints[(ri + 3) & IM], nums[(rn + 1) & NM], this.opts.raw);
      this.rows++;
      this.rn = rn + 2; this.ri = ri + 4;
    } else if (op === Op.Batch) {
      const b = this.slot(this.columnSlots, ints[(ri + 1) & IM], 'columns');
      b.buf = this.slot(this.byteSlots, ints[(ri + 2) & IM], 'bytes');
      b.count = ints[(ri + 3) & IM];
      this.cur = b;
      this.decoded = -1;
      this.ri = ri + 4;
      Atomics.store(this.ctl, startedBatches(this.k), ++this.started);
      this.release(this.ri, this.rn);
      this.opts.onBatch?.();
    } else if (op === Op.FlowEnded) {
      const flow = ints[(ri + 2) & IM];
      for (const set of this.runtimes[this.unitService[unit]].sets) for (const cl of set) cl.flowEnded?.(flow);
      this.ri = ri + 3;
    } else if (op === Op.Release) {
      for (const set of this.runtimes[this.unitService[unit]].sets) for (const cl of set) cl.release(unit);
      this.unitLabel[unit] = undefined;
      this.ri = ri + 2;
    } else {
      throw new Error(`parallel flows: unknown op ${op} at ring position ${ri}`);
    }
  }

  private init(unit: number, svc: number, localPort: number, remotePort: number): void {
    if (unit >= this.unitService.length) {
      let cap = this.unitService.length * 2;
      while (cap <= unit) cap *= 2;
      const s = new Int16Array(cap); s.set(this.unitService); this.unitService = s;
    }
    this.unitService[unit] = svc;
    if (this.opts.labels) {
      while (this.nextLabel === this.labels.length) this.receive('a new unit\'s label');
      this.unitLabel[unit] = this.labels[this.nextLabel++];
    } else {
      this.unitLabel[unit] = { protocol: '', localIp: '', localPort, remoteIp: '', remotePort, categorizedBy: '' };
    }
    for (const set of this.runtimes[svc].sets) for (const c of set) c.init(unit, this.p);
  }

  /** Chunk `index` of the shared rows (the leader sends it before the first op that needs it). */
  chunk(index: number): SharedArrayBuffer {
    let c: SharedArrayBuffer | undefined;
    while ((c = this.chunks.get(index)) === undefined) this.receive(`chunk ${index} of the rows`);
    return c;
  }

  /** A batch slot by id (its message was sent before the op that names it). */
  private slot<T>(slots: Map<number, T>, id: number, kind: string): T {
    let v: T | undefined;
    while ((v = slots.get(id)) === undefined) this.receive(`${kind} slot ${id}`);
    return v;
  }

  /** Takes the leader's next message, which must be there already (it is sent before the ops that need it). */
  private receive(what: string): void {
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) throw new Error(`parallel flows: ${what} did not arrive before its op`);
    const msg = m.message as RelayMessage;
    for (const [k, c] of msg.chunks) this.chunks.set(k, c);
    for (const m of msg.slots) {
      if (m.kind === 'bytes') setSlot(this.byteSlots, m.id, m.replaces, new Uint8Array(m.memory));
      else setSlot(this.columnSlots, m.id, m.replaces, slotBatch(m.memory));
    }
    if (msg.labels.length) {
      this.labels = this.nextLabel < this.labels.length ? [...this.labels.slice(this.nextLabel), ...msg.labels] : msg.labels;
      this.nextLabel = 0;
    }
  }

  /** Lets the leader reuse the ring up to these positions. */
  private release(ri: number, rn: number): void {
    Atomics.store(this.ctl, doneNums(this.k), rn | 0);
    Atomics.store(this.ctl, doneInts(this.k), ri | 0);
    Atomics.notify(this.ctl, doneInts(this.k));
  }

  /** Waits until the leader publishes more ops; false at the end of the stream. */
  private waitForOps(): boolean {
    if (this.ended) return false;
    const ctl = this.ctl, k = this.k;
    this.release(this.ri, this.rn);
    for (;;) {
      const seen = Atomics.load(ctl, signal(k));
      this.published = unwrap(Atomics.load(ctl, pubInts(k)), this.ri);
      if (this.published > this.ri) return true;
      if (seen & ENDED) { this.ended = true; return false; }
      if (Atomics.load(ctl, STATUS) === ABORTED) throw new Error('parallel flows: the leader stopped');
      const tw = performance.now();
      Atomics.wait(ctl, signal(k), seen, 1000);
      this.waitMs += performance.now() - tw;
    }
  }
}

function setSlot<T>(slots: Map<number, T>, id: number, replaces: number, value: T): void {
  if (replaces >= 0) slots.delete(replaces);
  slots.set(id, value);
}
