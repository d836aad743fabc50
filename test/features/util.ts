import { Packet } from '../../src/decode/packet';
import type { FeatureClass, FeatureDefinition } from '../../src/features/api';

/** Fields of a hand-made packet view, for driving a feature class directly. */
export interface PktSpec {
  ts: number; up: boolean; flow?: number;
  tcp?: boolean; udp?: boolean;
  flags?: number; seq?: number; ack?: number; window?: number; wscale?: number; badOptions?: number;
  len?: number; ipLen?: number;
}

/** Fills a Packet view as the decoder and pipeline would (no frame bytes needed). */
export function pkt(s: PktSpec, p = new Packet()): Packet {
  const udp = s.udp === true;
  p.ts = s.ts; p.up = s.up; p.flow = s.flow ?? 0;
  p.protocol = udp ? 17 : 6; p.l4 = 34; p.ipVersion = 4;
  p.tcpFlags = udp ? 0 : s.flags ?? 0x10;
  p.seq = (s.seq ?? 0) >>> 0; p.ack = (s.ack ?? 0) >>> 0;
  p.window = s.window ?? 65535; p.tcpWscale = s.wscale ?? -1; p.tcpBadOptions = s.badOptions ?? 0;
  p.payloadLen = s.len ?? 0;
  p.ipLen = s.ipLen ?? (20 + (udp ? 8 : 20) + (s.len ?? 0));
  return p;
}

/** One instance of a class, fed packets for given units, with named access to collected values. */
export class Driver {
  readonly inst: FeatureClass;
  private readonly started = new Set<number>();
  constructor(readonly def: FeatureDefinition, options: Record<string, unknown> = {}, readonly level: 'flow' | 'session' = 'flow', readonly bin = 10) {
    this.inst = new def({ level, binSeconds: bin, options });
  }
  /** Feeds a packet to `unit` (default: its flow), calling init on the unit's first packet. */
  add(s: PktSpec, unit?: number): void {
    const p = pkt(s);
    const u = unit ?? p.flow;
    if (!this.started.has(u)) { this.started.add(u); this.inst.init(u, p); }
    this.inst.addPacket(p, u);
  }
  /** Collects the unit's bin as { column: value }, then resets it (as the pipeline does). */
  collect(unit = 0, reset = true): Record<string, number> {
    const out = new Float64Array(this.def.columns.length);
    this.inst.collect(unit, this.bin, out, 0);
    if (reset) this.inst.reset(unit);
    const row: Record<string, number> = {};
    this.def.columns.forEach((c, i) => { row[c.name] = out[i]; });
    return row;
  }
  release(unit = 0): void { this.inst.release(unit); this.started.delete(unit); }
}

export function near(actual: number, expected: number, eps = 1e-9, msg = ''): void {
  if (!(Math.abs(actual - expected) <= eps)) throw new Error(`${msg} expected ${expected}, got ${actual}`);
}
