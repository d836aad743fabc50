import type { Packet } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';

const OUT_PKTS = 0, IN_PKTS = 1, OUT_BYTES = 2, IN_BYTES = 3;

/**
 * Packet and byte counters per direction, and the rates derived from them
 * (the original's PacketCounters; bytes are IP total lengths; Out = upstream).
 */
export class PacketCounters implements FeatureClass {
  static readonly featureName = 'PacketCounters';
  static readonly layer = 'network' as const;
  static readonly description = 'Packets and bytes (IP length) per direction, with Kbps and packets per second.';
  static readonly columns: readonly ColumnSpec[] = [
    { name: 'OutPackets', unit: 'packets', description: 'packets from the local/client side in the bin' },
    { name: 'InPackets', unit: 'packets', description: 'packets towards the local/client side in the bin' },
    { name: 'OutBytes', unit: 'bytes', description: 'IP bytes upstream in the bin' },
    { name: 'InBytes', unit: 'bytes', description: 'IP bytes downstream in the bin' },
    { name: 'KbpsUp', unit: 'kbit/s', description: 'upstream throughput: OutBytes / (bin * 128)' },
    { name: 'KbpsDw', unit: 'kbit/s', description: 'downstream throughput: InBytes / (bin * 128)' },
    { name: 'PpsUp', unit: 'packets/s', description: 'upstream packets per second' },
    { name: 'PpsDw', unit: 'packets/s', description: 'downstream packets per second' },
  ];

  private readonly s = new UnitState(4);

  constructor(_ctx: FeatureContext) {}

  init(unit: number): void { this.s.ensure(unit); }

  addPacket(p: Packet, unit: number): void {
    const d = this.s.data, o = unit * 4;
    if (p.up) { d[o + OUT_PKTS]++; d[o + OUT_BYTES] += p.ipLen; }
    else { d[o + IN_PKTS]++; d[o + IN_BYTES] += p.ipLen; }
  }

  collect(unit: number, bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, o = unit * 4;
    out[k] = d[o + OUT_PKTS];
    out[k + 1] = d[o + IN_PKTS];
    out[k + 2] = d[o + OUT_BYTES];
    out[k + 3] = d[o + IN_BYTES];
    // The original divides by 128 to get kbit/s from bytes (x8 / 1024).
    out[k + 4] = d[o + OUT_BYTES] / (bin * 128);
    out[k + 5] = d[o + IN_BYTES] / (bin * 128);
    out[k + 6] = d[o + OUT_PKTS] / bin;
    out[k + 7] = d[o + IN_PKTS] / bin;
  }

  reset(unit: number): void { this.s.fill(unit, 0); }
  release(unit: number): void { this.s.fill(unit, 0); }
  stateBytes(): number { return this.s.bytes(); }
}
