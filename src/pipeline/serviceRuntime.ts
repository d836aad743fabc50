import type { RefineryConfig } from '../config/config';
import { getFeature } from '../features/registry';
import type { FeatureClass, FeatureDefinition } from '../features/api';
import type { Packet } from '../decode/packet';
import type { BinRow, RowSink } from './rows';

/**
 * A configured service at run time: its classes, one instance set per bin size. The
 * pipeline and the followers of a split run (follower.ts) build them alike.
 */
export interface ServiceRuntime {
  name: string;
  classes: FeatureDefinition[];
  columns: string[];
  offsets: number[];
  /** sets[b][c]: instance of class c collecting for bin size b. */
  sets: FeatureClass[][];
  /** adders[b](p, unit): every class of sets[b] takes the packet (see `packetAdder`). */
  adders: PacketAdder[];
  /** others[b]: the instances of sets[b] that take packets of the client's other traffic. */
  others: FeatureClass[][];
  values: Float64Array;
  /** Class calls per packet (all bin sizes): the load a unit of this service adds per packet. */
  weight: number;
  otherWeight: number;
  /** The load of one emitted row (collect, reset and the sink's row, about 8 packet-calls per class). */
  rowWeight: number;
}

/** What a row says about its unit besides the values (flow endpoints, or the session's client). */
export interface UnitLabel {
  protocol: string; localIp: string; localPort: number; remoteIp: string; remotePort: number; categorizedBy: string;
}

/** The bin sizes a run uses: `bins` or the config's, without repeats, smallest first; checked. */
export function resolveBins(bins: readonly number[] | undefined, config: RefineryConfig): number[] {
  const out = [...new Set(bins ?? config.bins)].sort((a, b) => a - b);
  if (out.length === 0 || out.some((b) => !(b > 0) || !Number.isFinite(b))) {
    throw new Error(`bins must be positive numbers of seconds (got ${JSON.stringify(bins)})`);
  }
  return out;
}

/** The runtimes of every service of `config`, and the union of their feature columns. */
export function buildRuntimes(config: RefineryConfig, bins: readonly number[], level: 'flow' | 'session', onlyClasses?: readonly string[]): { runtimes: ServiceRuntime[]; featureColumns: string[] } {
  const union: string[] = [];
  const runtimes = config.services.map((svc) => {
    const names = onlyClasses ? svc.collect.filter((c) => onlyClasses.includes(c)) : svc.collect;
    const classes = names.map((n) => {
      const def = getFeature(n);
      if (!def) throw new Error(`service ${svc.name}: feature class "${n}" is not registered`);
      return def;
    });
    const columns: string[] = [];
    const offsets: number[] = [];
    for (const def of classes) {
      offsets.push(columns.length);
      for (const c of def.columns) columns.push(`${def.featureName}.${c.name}`);
    }
    for (const c of columns) if (!union.includes(c)) union.push(c);
    const sets = bins.map((bin) => classes.map((def) => new def({
      level, binSeconds: bin, options: config.featureOptions[def.featureName] ?? {},
    })));
    const others = sets.map((set) => set.filter((c) => typeof c.addOtherPacket === 'function'));
    const adders = sets.map(packetAdder);
    const weight = sets.reduce((a, set) => a + set.length, 0), otherWeight = others.reduce((a, o) => a + o.length, 0);
    return { name: svc.name, classes, columns, offsets, sets, adders, others, values: new Float64Array(columns.length), weight, otherWeight, rowWeight: 8 * classes.length };
  });
  return { runtimes, featureColumns: union };
}

export type PacketAdder = (p: Packet, unit: number) => void;

/**
 * One function that hands a packet to each class of `set` in turn, with a call site of its
 * own per class: each site sees one class and V8 can inline it, where a loop over the set
 * would make one call site see every class (megamorphic: a lookup per call). The method is
 * looked up on the instance at each call, so a profiler that wraps an instance still sees it.
 */
export function packetAdder(set: readonly FeatureClass[]): PacketAdder {
  const names = set.map((_, i) => `c${i}`);
  const body = names.map((c) => `${c}.addPacket(p, unit);`).join(' ');
  // Generated from the set's size only: no user text reaches the code.
  return new Function(...names, `return function addPacketToAll(p, unit) { ${body} };`)(...set) as PacketAdder;
}

/** A reusable row for `emitRow`. */
export function blankRow(level: 'flow' | 'session', capture: string): BinRow {
  return {
    level, capture, service: '', serviceIndex: -1, unit: -1, binSize: 0, binStart: 0,
    protocol: '', localIp: '', localPort: 0, remoteIp: '', remotePort: 0, categorizedBy: '', flows: 0,
    columns: [], values: new Float64Array(0), raw: null,
  };
}

/**
 * Collects one closed bin of a unit from its classes (then resets them) and hands the row
 * to the sink: the one place rows are made, on one thread or in a follower.
 */
export function emitRow(sink: RowSink, row: BinRow, rt: ServiceRuntime, svc: number, b: number, binSeconds: number, unit: number,
  binStart: number, label: UnitLabel, flows: number, seq: number, wantRaw: boolean): void {
  const set = rt.sets[b];
  for (let c = 0; c < set.length; c++) set[c].collect(unit, binSeconds, rt.values, rt.offsets[c]);
  let raw: Record<string, unknown> | null = null;
  if (wantRaw) {
    for (let c = 0; c < set.length; c++) {
      const r = set[c].collectRaw?.(unit);
      if (r !== undefined) (raw ??= {})[rt.classes[c].featureName] = r;
    }
  }
  for (let c = 0; c < set.length; c++) set[c].reset(unit);
  fillRow(row, rt, svc, binSeconds, unit, binStart, label, flows, seq);
  row.raw = raw;
  sink.row(row);
}

/** Everything of a row but its values' contents (they are `rt.values`, filled by `emitRow`). */
export function fillRow(row: BinRow, rt: ServiceRuntime, svc: number, binSeconds: number, unit: number,
  binStart: number, label: UnitLabel, flows: number, seq: number): void {
  row.service = rt.name;
  row.serviceIndex = svc;
  row.unit = unit;
  row.binSize = binSeconds;
  row.binStart = binStart;
  row.protocol = label.protocol;
  row.localIp = label.localIp;
  row.localPort = label.localPort;
  row.remoteIp = label.remoteIp;
  row.remotePort = label.remotePort;
  row.categorizedBy = label.categorizedBy;
  row.flows = flows;
  row.columns = rt.columns;
  row.values = rt.values;
  row.raw = null;
  row.seq = seq;
}

/** Bytes held by each feature class of `runtimes` (all services and bin sizes). */
export function classStateBytes(runtimes: readonly ServiceRuntime[], out: Record<string, number> = {}): Record<string, number> {
  for (const rt of runtimes) {
    rt.classes.forEach((def, c) => {
      let sum = 0;
      for (const set of rt.sets) sum += set[c].stateBytes();
      out[def.featureName] = (out[def.featureName] ?? 0) + sum;
    });
  }
  return out;
}
