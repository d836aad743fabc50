import type { PacketBatch } from '../capture/batch';
import { decodeRecord, Skip } from '../decode/decoder';
import { Packet } from '../decode/packet';
import { FlowTable } from '../flows/flowTable';
import { SessionTable } from '../flows/sessionTable';
import { DirectionResolver } from '../flows/direction';
import { formatAddress } from '../flows/address';
import { ServiceMap, CATEGORIZED_BY, CategorizedBy } from '../services/serviceMap';
import { defaultConfig, RefineryConfig } from '../config/config';
import type { FeatureClass, FeatureDefinition } from '../features/api';
import { RowSink, protocolName } from './rows';
import { buildRuntimes, resolveBins, blankRow, emitRow, fillRow, classStateBytes, ServiceRuntime, UnitLabel } from './serviceRuntime';
import type { Relay } from './relay';
import { RunStats } from './stats';
import { BinHeap } from './binHeap';
import { installDefaultSniExtractors } from '../services/sni';

export interface PipelineOptions {
  config?: RefineryConfig;
  /** Bin sizes in seconds; default: the config's `Bins` (10 s). */
  bins?: readonly number[];
  /** `flow` (default: the config's `Level`) or `session`. */
  level?: 'flow' | 'session';
  /** Name of the capture, written in the `capture` column. */
  capture?: string;
  sink: RowSink;
  /** Ask classes for raw per-bin data (e.g. segment lists) for JSON output. */
  raw?: boolean;
  /** Restrict every service to these classes (used by the profiler to run one class alone). */
  onlyClasses?: readonly string[];
  /**
   * Parallel flows: this pipeline is worker `index` of `count`, all reading the same packets.
   * Every worker keeps the whole data path (flow table, services, sessions, bin clocks), so
   * flow and session boundaries and the emission order are those of one thread; feature
   * classes run only for the units (flows or sessions) this worker owns. Units are dealt at
   * their start to the least-loaded worker, a deterministic choice every worker makes alike.
   */
  shard?: { index: number; count: number };
  /**
   * Parallel flows, leader side (relay.ts): this pipeline runs the whole data path and the
   * classes of the units it owns; the other units' class work goes to followers as ops.
   */
  relay?: Relay;
}

const SNI_TRIES = 4;

/**
 * The data path: decoded packets -> flow table -> service map -> feature classes per
 * service and bin size -> closed bins to a sink. The same object serves files, streams
 * and live capture: feed it batches in capture order and call `finish()` at the end.
 * Time comes from packet timestamps only.
 */
export class Pipeline {
  readonly config: RefineryConfig;
  readonly bins: number[];
  readonly level: 'flow' | 'session';
  readonly stats = new RunStats();
  readonly featureColumns: string[];
  readonly flows: FlowTable;
  readonly services: ServiceMap;
  private readonly sessions = new SessionTable();
  private readonly direction: DirectionResolver;
  private readonly runtimes: ServiceRuntime[];
  private readonly sink: RowSink;
  private readonly p = new Packet();
  private readonly byScratch = new Uint8Array(1);
  private readonly addrScratch = new Uint8Array(16);
  private readonly nb: number;
  private readonly wantRaw: boolean;
  private readonly row;
  private readonly capture: string;
  private readonly sweepEvery: number;
  private readonly maxFlows: number;
  private readonly evictSeconds: number;
  /** Open bins by end time: the sweep closes the due ones without scanning every unit. */
  private readonly due = new BinHeap();
  /** Session level with a class that wants the client's other traffic (e.g. SessionCounters). */
  private readonly feedsOthers: boolean;
  /** Client address -> small integer, and per flow its client's id (session level). */
  private readonly clientIds = new Map<string, number>();
  private flowClient = new Int32Array(0);
  /** Per client id, the sessions (units) currently open for it. */
  private readonly clientSessions: number[][] = [];
  /** Parallel flows: this worker, the worker count, each unit's owner, work dealt to each worker. */
  private readonly shardIndex: number;
  private readonly shardCount: number;
  private readonly load: Float64Array;
  private readonly relay: Relay | null;
  /** Index in its batch of the record being processed (ops to followers name records by it). */
  private cur = 0;
  private unitOwner = new Uint8Array(0);
  /** Bins emitted so far by any worker: a row's position in a one-thread run. */
  private emitted = 0;
  /** Packets this worker ran feature classes on (all served packets when not sharded). */
  ownedPackets = 0;

  // Per-unit bin state: index unit * nb + b.
  private unitCap = 0;
  private binStart = new Float64Array(0);
  private dirty = new Uint8Array(0);
  private unitActive = new Uint8Array(0);
  private unitService = new Int16Array(0);
  /** Capture time of each unit's last packet. */
  private unitLast = new Float64Array(0);
  private unitLabel: (UnitLabel | undefined)[] = [];

  private now = -Infinity;
  private nextSweep = -Infinity;
  private nextEvict = -Infinity;
  /** Capture time before which no flow can be evicted for space (EvictMinIdle). */
  private noRoomUntil = -Infinity;
  private finished = false;

  constructor(opts: PipelineOptions) {
    this.config = opts.config ?? defaultConfig();
    this.bins = resolveBins(opts.bins, this.config);
    this.nb = this.bins.length;
    this.level = opts.level ?? this.config.level;
    this.sink = opts.sink;
    this.capture = opts.capture ?? '';
    this.wantRaw = !!opts.raw;
    this.relay = opts.relay ?? null;
    if (this.relay && opts.shard) throw new Error('Pipeline: shard and relay are two ways to split a run; give one');
    this.shardIndex = opts.shard?.index ?? 0;
    this.shardCount = opts.shard?.count ?? this.relay?.count ?? 1;
    if (!(Number.isInteger(this.shardCount) && this.shardCount >= 1 && this.shardCount <= 255 && Number.isInteger(this.shardIndex) && this.shardIndex >= 0 && this.shardIndex < this.shardCount)) {
      throw new Error(`shard must be {index, count} with 0 <= index < count <= 255 (got ${JSON.stringify(opts.shard)})`);
    }
    this.load = new Float64Array(this.shardCount);
    this.sweepEvery = Math.min(1, this.bins[0] / 2);
    this.maxFlows = this.config.maxFlows;
    this.evictSeconds = this.config.flowEvictSeconds;
    this.flows = new FlowTable();
    this.services = new ServiceMap(this.config.services, this.config.catchAll, this.config.dnsEvictSeconds);
    installDefaultSniExtractors(this.services);
    this.direction = new DirectionResolver(this.config.localPrefixes, this.config.localMacs);

    const { runtimes, featureColumns } = buildRuntimes(this.config, this.bins, this.level, opts.onlyClasses);
    this.runtimes = runtimes;
    this.featureColumns = featureColumns;
    this.feedsOthers = this.level === 'session' && this.runtimes.some((rt) => rt.others.some((o) => o.length > 0));
    this.row = blankRow(this.level, this.capture);
    this.sink.begin?.(featureColumns);
  }

  /** Processes every record of a batch. */
  processBatch(batch: PacketBatch): void {
    if (this.finished) throw new Error('Pipeline: processBatch() after finish()');
    const p = this.p, st = this.stats, table = this.flows, skipped = st.skipped, relay = this.relay;
    const n = batch.count;
    relay?.batchStart(batch);
    for (let i = 0; i < n; i++) {
      st.records++;
      this.cur = i;
      const skip = decodeRecord(batch, i, p);
      if (skip !== Skip.None) { skipped[skip]++; continue; }
      st.packets++;
      st.bytes += p.wirelen;
      if (relay !== null) this.load[0] += relay.controlWeight;
      const ts = p.ts;
      if (ts > this.now) {
        this.now = ts;
        if (ts >= this.nextSweep) this.sweep(ts);
      }
      if (p.protocol === 17 && p.l4 >= 0 && (p.srcPort === 53 || p.srcPort === 5353) && p.payloadCaplen > 0) this.services.learnDns(p);

      let flow = table.lookup(p);
      // Exact idle eviction: a flow silent for longer than EvictTime ends here, whatever the
      // sweep cadence, so output never depends on when sweeps ran (or on sharding).
      if (!table.lastCreated && ts - table.lastTs[flow] > this.evictSeconds) {
        this.endFlow(flow);
        flow = table.lookup(p);
      }
      if (table.lastCreated) {
        if (this.maxFlows > 0 && table.size > this.maxFlows && !this.makeRoom(flow, ts)) {
          table.remove(flow);
          this.stats.refusedFlows++;
          st.unservedPackets++;
          continue;
        }
        this.onNewFlow(flow, p);
      }
      table.lastTs[flow] = ts;
      p.flow = flow;
      p.up = table.lastForward === (table.clientIsA[flow] === 1);
      let svc = table.service[flow];
      if (svc < 0) svc = this.trySni(flow, p);
      p.service = svc;
      const unit = svc < 0 ? -1 : this.level === 'flow' ? flow : table.session[flow];
      if (this.feedsOthers) this.feedOthers(flow, unit, p);
      if (svc < 0) { st.unservedPackets++; continue; }
      this.addToUnit(unit, svc, p);
    }
    relay?.batchDone();
    if (st.firstTs === Infinity && n > 0) st.firstTs = batch.tsSec[0] + batch.tsNsec[0] * 1e-9;
    if (this.now > st.lastTs) st.lastTs = this.now;
  }

  /** Closes every open bin and flow: partial bins are emitted, nothing counted is lost. */
  finish(): void {
    if (this.finished) return;
    const table = this.flows, relay = this.relay;
    let ended = 0;
    for (let f = 0; f < table.highWater; f++) {
      if (!table.alive[f]) continue;
      this.endFlow(f);
      // Followers start on their share of the last bins while this thread closes its own.
      if (relay !== null && (++ended & 255) === 0) relay.publishOps();
    }
    relay?.finish();
    this.services.expire(Infinity);
    this.stats.dnsResponses = this.services.dnsResponses;
    this.stats.dnsLearned = this.services.dnsLearned;
    this.stats.dnsErrors = Object.fromEntries(this.services.dnsErrors);
    this.finished = true;
  }

  /** Bytes held by each feature class (all services and bin sizes), plus the flow table. */
  stateBytes(): Record<string, number> {
    return classStateBytes(this.runtimes, { FlowTable: this.flows.stateBytes() });
  }

  /** Every feature class instance, with its class, service and bin size (profilers wrap them). */
  featureInstances(): { instance: FeatureClass; def: FeatureDefinition; service: string; binSeconds: number }[] {
    return this.runtimes.flatMap((rt) => rt.sets.flatMap((set, b) =>
      set.map((instance, c) => ({ instance, def: rt.classes[c], service: rt.name, binSeconds: this.bins[b] }))));
  }

  /** Units (flows or sessions) currently holding feature state. */
  get activeUnits(): number {
    return this.level === 'flow' ? this.flows.size : this.sessions.size;
  }

  /** Bins emitted so far by every worker of a split run (the next row's position in a one-thread run). */
  get emittedRows(): number {
    return this.emitted;
  }

  /** Each configured service's feature columns, in the order rows carry their values. */
  get serviceColumns(): string[][] {
    return this.runtimes.map((rt) => rt.columns);
  }

  /** Capture time of the newest packet seen. */
  get captureTime(): number {
    return this.now;
  }

  /** Closes bins whose end has passed at capture time `now` (live mode calls this on a timer too). */
  advanceTo(now: number): void {
    if (now > this.now) this.now = now;
    this.sweep(this.now);
  }

  private addToUnit(unit: number, svc: number, p: Packet): void {
    const rt = this.runtimes[svc];
    this.unitLast[unit] = p.ts;
    const owner = this.unitOwner[unit], mine = owner === this.shardIndex;
    this.load[owner] += rt.weight;
    if (mine) this.ownedPackets++;
    const nb = this.nb, base = unit * nb, ts = p.ts;
    for (let b = 0; b < nb; b++) {
      const idx = base + b;
      const start = this.binStart[idx], size = this.bins[b];
      if (ts >= start + size) {
        if (this.dirty[idx]) this.emit(unit, b);
        this.binStart[idx] = start + Math.floor((ts - start) / size) * size;
      }
      if (this.dirty[idx] === 0) {
        this.dirty[idx] = 1;
        this.due.push(this.binStart[idx] + size, unit, b);
      }
      if (mine) rt.adders[b](p, unit);
    }
    if (!mine && this.relay !== null) this.relay.add(owner, unit, this.cur, p.flow, p.up);
  }

  /** Hands a packet to the other open sessions of its client (classes with addOtherPacket). */
  private feedOthers(flow: number, ownUnit: number, p: Packet): void {
    const list = this.clientSessions[this.flowClient[flow]];
    if (list === undefined || list.length === 0) return;
    const nb = this.nb, ts = p.ts;
    for (let i = 0; i < list.length; i++) {
      const sid = list[i];
      if (sid === ownUnit) continue;
      const rt = this.runtimes[this.unitService[sid]];
      const owner = this.unitOwner[sid], mine = owner === this.shardIndex;
      this.load[owner] += rt.otherWeight;
      for (let b = 0; b < nb; b++) {
        const others = rt.others[b];
        if (others.length === 0) continue;
        const idx = sid * nb + b, start = this.binStart[idx], size = this.bins[b];
        if (ts >= start + size) {
          if (this.dirty[idx]) this.emit(sid, b);
          this.binStart[idx] = start + Math.floor((ts - start) / size) * size;
        }
        if (this.dirty[idx] === 0) {
          this.dirty[idx] = 1;
          this.due.push(this.binStart[idx] + size, sid, b);
        }
        if (mine) for (let c = 0; c < others.length; c++) others[c].addOtherPacket!(p, sid);
      }
      if (!mine && this.relay !== null && rt.otherWeight > 0) this.relay.other(owner, sid, this.cur, p.flow, p.up, p.service);
    }
  }

  private onNewFlow(flow: number, p: Packet): void {
    const table = this.flows;
    this.stats.flows++;
    const senderIsClient = this.direction.senderIsClient(p);
    table.clientIsA[flow] = table.lastForward === senderIsClient ? 1 : 0;
    // Classes see the flow and direction of a unit's first packet at init.
    p.flow = flow;
    p.up = senderIsClient;
    if (this.feedsOthers) {
      if (this.flowClient.length < table.capacity) {
        const fc = new Int32Array(table.capacity); fc.set(this.flowClient); this.flowClient = fc;
      }
      const client = formatAddress(p.buf, senderIsClient ? p.srcAddr : p.dstAddr, p.ipVersion);
      let id = this.clientIds.get(client);
      if (id === undefined) { id = this.clientIds.size; this.clientIds.set(client, id); this.clientSessions.push([]); }
      this.flowClient[flow] = id;
    }
    let svc: number;
    if (this.services.catchAll) {
      svc = 0;
      this.byScratch[0] = CategorizedBy.Default;
    } else {
      const remote = senderIsClient ? p.dstAddr : p.srcAddr;
      svc = this.services.lookupAddress(p.buf, remote, p.ipVersion, p.ts, this.byScratch);
    }
    table.categorizedBy[flow] = this.byScratch[0];
    if (svc >= 0) this.startFlow(flow, svc, p);
  }

  private trySni(flow: number, p: Packet): number {
    const table = this.flows;
    if (p.payloadCaplen === 0 || !p.up || table.sniTries[flow] >= SNI_TRIES || !this.services.wantsSni) return -1;
    table.sniTries[flow]++;
    const svc = this.services.lookupSni(p, this.byScratch);
    if (svc < 0) return -1;
    table.categorizedBy[flow] = this.byScratch[0];
    this.startFlow(flow, svc, p);
    return svc;
  }

  private startFlow(flow: number, svc: number, p: Packet): void {
    const table = this.flows;
    table.service[flow] = svc;
    this.stats.servedFlows++;
    if (this.level === 'flow') {
      this.startUnit(flow, svc, p);
      return;
    }
    const clientB = table.clientIsA[flow] !== 1;
    table.endpointBytes(flow, clientB, this.addrScratch);
    const client = formatAddress(this.addrScratch, 0, table.ipVersion(flow));
    // A session whose flows have all been idle past EvictTime has ended, even if no sweep
    // has evicted them yet: end it now, so session boundaries never depend on sweep cadence.
    const existing = this.sessions.find(client, svc);
    if (existing >= 0 && p.ts - this.unitLast[existing] > this.evictSeconds) {
      for (let f = 0; f < table.highWater; f++) {
        if (f !== flow && table.alive[f] && table.session[f] === existing && table.service[f] === svc) this.endFlow(f);
      }
    }
    const s = this.sessions.acquire(client, svc);
    table.session[flow] = s.id;
    if (s.created) {
      this.stats.sessions++;
      this.startUnit(s.id, svc, p);
      if (this.feedsOthers) this.clientSessions[this.flowClient[flow]].push(s.id);
    }
  }

  private startUnit(unit: number, svc: number, p: Packet): void {
    this.ensureUnits(unit + 1);
    const nb = this.nb;
    for (let b = 0; b < nb; b++) { this.binStart[unit * nb + b] = p.ts; this.dirty[unit * nb + b] = 0; }
    this.unitActive[unit] = 1;
    this.unitLast[unit] = p.ts;
    this.unitService[unit] = svc;
    this.unitLabel[unit] = undefined;
    let owner = 0;
    if (this.shardCount > 1) {
      const load = this.load;
      for (let k = 1; k < load.length; k++) if (load[k] < load[owner]) owner = k;
    }
    this.unitOwner[unit] = owner;
    p.service = svc;
    if (owner === this.shardIndex) for (const set of this.runtimes[svc].sets) for (const c of set) c.init(unit, p);
    else if (this.relay !== null) this.relay.init(owner, unit, this.cur, p.flow, p.up, svc, (this.unitLabel[unit] = this.makeLabel(unit)));
  }

  private endFlow(flow: number): void {
    const table = this.flows;
    const svc = table.service[flow];
    if (svc >= 0) {
      if (this.level === 'flow') {
        this.closeUnit(flow);
      } else {
        const sid = table.session[flow];
        const owner = this.unitOwner[sid];
        if (owner === this.shardIndex) for (const set of this.runtimes[svc].sets) for (const c of set) c.flowEnded?.(flow);
        else if (this.relay !== null) this.relay.flowEnded(owner, sid, flow);
        if (this.sessions.flowEnded(sid)) {
          this.closeUnit(sid);
          this.sessions.remove(sid);
          if (this.feedsOthers) {
            const list = this.clientSessions[this.flowClient[flow]];
            const at = list.indexOf(sid);
            if (at >= 0) list.splice(at, 1);
          }
        }
      }
    }
    table.remove(flow);
  }

  private closeUnit(unit: number): void {
    const nb = this.nb;
    for (let b = 0; b < nb; b++) if (this.dirty[unit * nb + b]) this.emit(unit, b);
    const owner = this.unitOwner[unit];
    if (owner === this.shardIndex) for (const set of this.runtimes[this.unitService[unit]].sets) for (const c of set) c.release(unit);
    else if (this.relay !== null) this.relay.release(owner, unit);
    this.unitActive[unit] = 0;
    this.unitLabel[unit] = undefined;
  }

  private sweep(now: number): void {
    this.nextSweep = now + this.sweepEvery;
    const nb = this.nb, due = this.due;
    while (due.size > 0 && due.peekEnd() <= now) {
      const end = due.peekEnd(), u = due.topUnit, b = due.topBin;
      due.pop();
      const idx = u * nb + b;
      // Stale entries: the bin was already emitted, or its unit ended or was reused.
      if (this.unitActive[u] && this.dirty[idx] && this.binStart[idx] + this.bins[b] === end) {
        this.emit(u, b);
        // The open bin is now the next one: a late packet (older than capture time) is counted
        // there rather than reopening a bin that was already emitted.
        this.binStart[idx] = end;
      }
    }
    if (now >= this.nextEvict) {
      if (this.nextEvict !== -Infinity) {
        const table = this.flows, limit = now - this.evictSeconds;
        for (let f = 0; f < table.highWater; f++) if (table.alive[f] && table.lastTs[f] < limit) this.endFlow(f);
        this.services.expire(now);
      }
      this.nextEvict = now + this.config.flowCleanupSeconds;
    }
  }

  /**
   * The flow table is full: evict the idlest eighth of the flows (those whose last packet
   * is oldest), emitting their partial bins. Amortized over the inserts that follow, this
   * keeps state bounded under a flood of new flows at O(1) per insert. Flows idle for less
   * than EvictMinIdle are kept: when none can go, returns false and the new flow is refused.
   * Until the idlest kept flow reaches EvictMinIdle, later refusals cost O(1).
   */
  private makeRoom(keep: number, now: number): boolean {
    if (now < this.noRoomUntil) return false;
    const table = this.flows, n = table.highWater, minIdle = this.config.evictMinIdleSeconds ?? 0;
    const last: number[] = [];
    for (let f = 0; f < n; f++) if (table.alive[f] && f !== keep) last.push(table.lastTs[f]);
    last.sort((a, b) => a - b);
    const quota = Math.max(1, Math.floor(this.maxFlows / 8));
    const cutoff = Math.min(last[Math.min(last.length - 1, quota - 1)], now - minIdle);
    let evicted = 0;
    for (let f = 0; f < n && evicted < quota; f++) {
      if (table.alive[f] && f !== keep && table.lastTs[f] <= cutoff) { this.endFlow(f); evicted++; }
    }
    this.stats.evictedForSpace += evicted;
    if (evicted === 0) this.noRoomUntil = (last.length ? last[0] : now) + minIdle;
    return evicted > 0;
  }

  private emit(unit: number, b: number): void {
    const seq = this.emitted++, nb = this.nb;
    const svc = this.unitService[unit], owner = this.unitOwner[unit], rt = this.runtimes[svc];
    this.load[owner] += rt.rowWeight;
    const flows = this.level === 'session' ? this.sessions.flows[unit] : 1, binStart = this.binStart[unit * nb + b];
    this.dirty[unit * nb + b] = 0;
    if (owner !== this.shardIndex) {
      if (this.relay === null) return;
      if (this.sink.rowMeta) {
        fillRow(this.row, rt, svc, this.bins[b], unit, binStart, this.unitLabel[unit]!, flows, seq);
        this.sink.rowMeta(this.row, owner);
      }
      this.relay.emit(owner, unit, b, flows, binStart, seq);
      return;
    }
    const label = this.unitLabel[unit] ?? (this.unitLabel[unit] = this.makeLabel(unit));
    this.stats.rows++;
    emitRow(this.sink, this.row, rt, svc, b, this.bins[b], unit, binStart, label, flows, seq, this.wantRaw);
  }

  private makeLabel(unit: number): UnitLabel {
    if (this.level === 'session') {
      return { protocol: '', localIp: this.sessions.client[unit], localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '' };
    }
    const t = this.flows, clientB = t.clientIsA[unit] !== 1, v = t.ipVersion(unit);
    t.endpointBytes(unit, clientB, this.addrScratch);
    const localIp = formatAddress(this.addrScratch, 0, v);
    t.endpointBytes(unit, !clientB, this.addrScratch);
    const remoteIp = formatAddress(this.addrScratch, 0, v);
    return {
      protocol: protocolName(t.protocol(unit)), localIp, localPort: t.port(unit, clientB), remoteIp, remotePort: t.port(unit, !clientB),
      categorizedBy: CATEGORIZED_BY[t.categorizedBy[unit]] ?? '',
    };
  }

  private ensureUnits(n: number): void {
    if (n <= this.unitCap) return;
    let cap = Math.max(1024, this.unitCap * 2);
    while (cap < n) cap *= 2;
    const nb = this.nb;
    const bs = new Float64Array(cap * nb); bs.set(this.binStart); this.binStart = bs;
    const d = new Uint8Array(cap * nb); d.set(this.dirty); this.dirty = d;
    const a = new Uint8Array(cap); a.set(this.unitActive); this.unitActive = a;
    const s = new Int16Array(cap); s.set(this.unitService); this.unitService = s;
    const l = new Float64Array(cap); l.set(this.unitLast); this.unitLast = l;
    const o = new Uint8Array(cap); o.set(this.unitOwner); this.unitOwner = o;
    this.unitCap = cap;
  }
}
