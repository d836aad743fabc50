import type { Packet } from '../../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext } from '../api';
import { UnitState } from '../unitState';
import { RUNNING_SLOTS, runningAdd, runningCollect, runningReset } from '../stats';

// Per direction: last packet time (spans bins), then running stats of inter-arrivals.
const LAST = 0, STATS = 1, DIR = 1 + RUNNING_SLOTS, STRIDE = 2 * DIR;

/** Packet inter-arrival times per direction (mean, std, min, max, in ms). */
export class PacketTimes implements FeatureClass {
  static readonly featureName = 'PacketTimes';
  static readonly layer = 'network' as const;
  static readonly description = 'Inter-arrival times of packets per direction, in milliseconds.';
  static readonly columns: readonly ColumnSpec[] = [
    { name: 'IatMeanUp', unit: 'ms', description: 'mean gap between upstream packets' },
    { name: 'IatStdUp', unit: 'ms', description: 'standard deviation of upstream gaps' },
    { name: 'IatMinUp', unit: 'ms', description: 'smallest upstream gap' },
    { name: 'IatMaxUp', unit: 'ms', description: 'largest upstream gap' },
    { name: 'IatMeanDw', unit: 'ms', description: 'mean gap between downstream packets' },
    { name: 'IatStdDw', unit: 'ms', description: 'standard deviation of downstream gaps' },
    { name: 'IatMinDw', unit: 'ms', description: 'smallest downstream gap' },
    { name: 'IatMaxDw', unit: 'ms', description: 'largest downstream gap' },
  ];

  private readonly s = new UnitState(STRIDE);

  constructor(_ctx: FeatureContext) {}

  init(unit: number): void {
    this.s.ensure(unit);
    const d = this.s.data, o = unit * STRIDE;
    d[o + LAST] = NaN; d[o + DIR + LAST] = NaN;
    runningReset(d, o + STATS); runningReset(d, o + DIR + STATS);
  }

  addPacket(p: Packet, unit: number): void {
    const d = this.s.data, o = unit * STRIDE + (p.up ? 0 : DIR);
    const last = d[o + LAST];
    // A gap is measured from the previous packet of the same direction, even across bins.
    if (last === last && p.ts >= last) runningAdd(d, o + STATS, p.ts - last);
    if (!(p.ts < last)) d[o + LAST] = p.ts;
  }

  collect(unit: number, _bin: number, out: Float64Array, k: number): void {
    const d = this.s.data, o = unit * STRIDE;
    runningCollect(d, o + STATS, out, k, 1000);
    runningCollect(d, o + DIR + STATS, out, k + 4, 1000);
  }

  reset(unit: number): void {
    const d = this.s.data, o = unit * STRIDE;
    runningReset(d, o + STATS); runningReset(d, o + DIR + STATS);
  }

  release(unit: number): void { this.s.fill(unit, 0); }
  stateBytes(): number { return this.s.bytes(); }
}
