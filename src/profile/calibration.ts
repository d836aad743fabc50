import type { Packet } from '../decode/packet';
import type { ColumnSpec, FeatureClass, FeatureContext, FeatureDefinition, Layer } from '../features/api';
import { getFeature, registerFeature } from '../features/registry';

/**
 * Feature classes of known cost, to check the profiler against (tests, and a
 * `heapModules` entry for the heap worker: `{ module: require.resolve('.../calibration'),
 * call: 'defineSpinClass', args: [...] }`).
 */

/**
 * A class that costs `iterations` rounds of a multiply-add per packet (a busy loop whose
 * result is kept, so it cannot be optimized away) and holds one Float64 per unit slot.
 */
export function defineSpinClass(name: string, iterations: number, layer: Layer = 'network'): FeatureDefinition {
  const existing = getFeature(name);
  if (existing) return existing;
  const columns: readonly ColumnSpec[] = [{ name: 'Acc', unit: 'count', description: 'busy-loop accumulator (calibration)' }];
  const def = class SpinClass implements FeatureClass {
    static readonly featureName = name;
    static readonly layer = layer;
    static readonly description = `calibration: ${iterations} busy-loop rounds per packet`;
    static readonly columns = columns;
    private acc = new Float64Array(1024);
    constructor(_ctx: FeatureContext) {}
    init(unit: number): void { this.ensure(unit); this.acc[unit] = 0; }
    addPacket(p: Packet, unit: number): void {
      let x = (this.acc[unit] + p.ipLen) | 0;
      for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
      this.acc[unit] = x;
    }
    collect(unit: number, _bin: number, out: Float64Array, k: number): void { out[k] = this.acc[unit]; }
    reset(): void {}
    release(unit: number): void { this.acc[unit] = 0; }
    stateBytes(): number { return this.acc.byteLength; }
    private ensure(unit: number): void {
      if (unit < this.acc.length) return;
      let n = this.acc.length * 2;
      while (n <= unit) n *= 2;
      const a = new Float64Array(n);
      a.set(this.acc);
      this.acc = a;
    }
  };
  registerFeature(def);
  return def;
}

/**
 * A class holding exactly `floatsPerUnit` Float64 numbers per live unit, each unit in its
 * own exactly sized Float64Array, freed on release: `stateBytes()` = live units x
 * floatsPerUnit x 8. It does almost no work per packet.
 */
export function defineFixedStateClass(name: string, floatsPerUnit: number, layer: Layer = 'network'): FeatureDefinition {
  const existing = getFeature(name);
  if (existing) return existing;
  const columns: readonly ColumnSpec[] = [{ name: 'Packets', unit: 'packets', description: 'packets of the unit (calibration)' }];
  const def = class FixedStateClass implements FeatureClass {
    static readonly featureName = name;
    static readonly layer = layer;
    static readonly description = `calibration: ${floatsPerUnit} Float64 numbers per unit`;
    static readonly columns = columns;
    private readonly units = new Map<number, Float64Array>();
    constructor(_ctx: FeatureContext) {}
    init(unit: number): void { this.units.set(unit, new Float64Array(floatsPerUnit)); }
    addPacket(_p: Packet, unit: number): void {
      const a = this.units.get(unit);
      if (a) a[0]++;
    }
    collect(unit: number, _bin: number, out: Float64Array, k: number): void { out[k] = this.units.get(unit)?.[0] ?? NaN; }
    reset(unit: number): void { const a = this.units.get(unit); if (a) a[0] = 0; }
    release(unit: number): void { this.units.delete(unit); }
    stateBytes(): number { return this.units.size * floatsPerUnit * 8; }
  };
  registerFeature(def);
  return def;
}
