import { Packet } from '../decode/packet';
import type { FeatureClass } from '../features/api';
import type { Pipeline } from '../pipeline/pipeline';
import { pipelineInstances } from './instances';
import { distribution, Float64Buffer, quantileSorted } from './stats';

/** Calls per timed block (the default of `TimeMeter`). */
export const DEFAULT_BLOCK_CALLS = 64;

/**
 * How `addPacket` time is measured (printed with the results).
 *
 * Timing every call with a clock costs more than most calls (process.hrtime.bigint()
 * is 30-100 ns here, PacketCounters.addPacket ~10 ns), and timing a run of consecutive
 * packets would include the shared work between the calls (decode, flow lookup,
 * service map). So each class instance is wrapped: its `addPacket` only copies the
 * packet view (all numeric fields plus the reference to the capture buffer) and the
 * unit into a pool of K slots; when the pool is full, the K real calls run back to back
 * between two `process.hrtime.bigint()` readings. The pool is also flushed, in
 * order, before every other call on the instance (init, collect, reset, release,
 * stateBytes, flowEnded, collectRaw) and at the end of every batch (while the
 * capture buffer is still valid), so the class sees exactly the same calls in the
 * same order as without the meter.
 *
 * The overhead of a block (two clock readings, the loop and the indirect call) is
 * calibrated by running the same code on an empty class: blocks of 1 and of K empty
 * calls, timed throughout the run (a pair every 16 real blocks, so under the same
 * load, cache and call-site polymorphism), give a fixed cost a and a per-call cost b
 * (medians); each block of n calls is corrected by a + b*n. `overhead_ns` is (a + b*K)/K, the part of a full
 * block's per-call time that was subtracted.
 *
 * Statistics leave out each instance's first calls (min(4096, a quarter of its calls)),
 * made while V8 still interprets the class. Then: median, p99, min and max are over per-call means of blocks with at least
 * K/2 calls (a single call is below the clock's resolution). Blocks include whatever
 * the machine did meanwhile: a preempted block (milliseconds on a loaded machine) or a
 * GC pause would dominate the mean of a short run, so blocks longer than
 * max(100 us, 50 x the median block) count as interrupted and are left out of `mean`
 * (corrected time / calls of the other blocks); `meanAll` keeps them. They still show
 * in max and p99. Replaying K
 * packets back to back keeps the class's code hot, so this is its cost in a busy
 * loop, like a capture worker's.
 */
export const TIMING_METHOD = 'deferred blocks: addPacket calls buffered per class instance (packet view copied) and replayed K at a time between two hrtime.bigint() readings; shared work (decode, flow lookup) excluded; first min(4096, calls/4) calls per instance left out as JIT warm-up; per-block overhead a+b*n calibrated on empty blocks timed throughout the run (1 pair per 16 blocks) and subtracted; mean leaves out interrupted blocks (> max(100 us, 50x median block)); median/p99/min/max over per-call means of blocks >= K/2 calls';

/** Timing of one class (summed over its instances: services and bin sizes). */
export interface ClassTiming {
  featureClass: string;
  calls: number;
  /** Calls left out as warm-up (see TimeMeter). */
  warmupCalls: number;
  /** Blocks replayed, and how many were counted in the distribution. */
  blocks: number;
  sampledBlocks: number;
  /** Corrected per-call ns: mean without interrupted blocks, and with them. */
  mean: number;
  meanAll: number;
  /** Blocks left out of `mean` as interrupted (preemption, GC pause: see TIMING_METHOD). */
  outlierBlocks: number;
  median: number;
  p99: number;
  min: number;
  max: number;
  /** Per-call overhead subtracted in a full block. */
  overheadNs: number;
  blockCalls: number;
}

export interface Calibration {
  /** Fixed cost of a block (clock readings), ns. */
  fixedNs: number;
  /** Cost of one empty wrapped call in the replay loop, ns. */
  perCallNs: number;
  /** Per-call overhead in a full block of K. */
  overheadNs: number;
  /** Empty block pairs the medians come from. */
  samples: number;
}

/** Calls of each instance left out of the statistics while the JIT warms up (at most a quarter of them). */
export const DEFAULT_WARMUP_CALLS = 4096;

/** A block longer than max(OUTLIER_FLOOR_NS, OUTLIER_FACTOR x median block) was interrupted. */
export const OUTLIER_FLOOR_NS = 100_000;
export const OUTLIER_FACTOR = 50;

type AddPacket = (p: Packet, unit: number) => void;

/** Copies every own field of a Packet view into another (generated once: fast, no allocation). */
function makeCopier(): (dst: Packet, src: Packet) => void {
  const keys = Object.keys(new Packet());
  const body = keys.map((k) => {
    const prop = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
    return `d${prop}=s${prop};`;
  }).join('');
  return new Function('d', 's', body) as (dst: Packet, src: Packet) => void;
}

const copyPacket = makeCopier();

/**
 * Runs `n` calls of `add` on `inst` between two clock readings and returns the ns.
 * The one call site for real and empty blocks, so the calibration pays what the
 * measurement pays (same loop, same call-site polymorphism).
 */
function replay(add: AddPacket, inst: FeatureClass, pool: Packet[], units: Int32Array, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) add.call(inst, pool[i], units[i]);
  return Number(process.hrtime.bigint() - t0);
}

/** An empty feature class, for calibration. */
class EmptyClass implements FeatureClass {
  init(): void {}
  addPacket(_p: Packet, _unit: number): void {}
  collect(): void {}
  reset(): void {}
  release(): void {}
  stateBytes(): number { return 0; }
}

const EMPTY = new EmptyClass();
const EMPTY_ADD = EMPTY.addPacket as AddPacket;

/** Empty blocks timed alongside the real ones (one pair every EMPTY_EVERY blocks). */
class EmptySamples {
  readonly one = new Float64Buffer();
  readonly full = new Float64Buffer();
  blocks = 0;

  maybe(pool: Packet[], units: Int32Array, k: number): void {
    if ((++this.blocks & (EMPTY_EVERY - 1)) !== 0) return;
    this.full.push(replay(EMPTY_ADD, EMPTY, pool, units, k));
    this.one.push(replay(EMPTY_ADD, EMPTY, pool, units, 1));
  }
}

/** A pair of empty blocks (K calls and 1 call) is timed after every EMPTY_EVERY-th real block. */
export const EMPTY_EVERY = 16;

/** The deferred-replay wrapper of one class instance. */
class TimedInstance {
  readonly pool: Packet[];
  readonly units: Int32Array;
  n = 0;
  /** Per block: calls and raw ns. */
  readonly blockCalls = new Float64Buffer();
  readonly blockNs = new Float64Buffer();
  calls = 0;

  constructor(readonly featureClass: string, readonly instance: FeatureClass, readonly add: AddPacket, readonly k: number, readonly empty: EmptySamples) {
    this.pool = Array.from({ length: k }, () => new Packet());
    this.units = new Int32Array(k);
  }

  push(p: Packet, unit: number): void {
    copyPacket(this.pool[this.n], p);
    this.units[this.n++] = unit;
    if (this.n === this.k) this.flush();
  }

  flush(): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const dt = replay(this.add, this.instance, this.pool, this.units, n);
    this.blockCalls.push(n);
    this.blockNs.push(dt);
    this.calls += n;
    this.empty.maybe(this.pool, this.units, this.k);
  }
}

const FLUSH_FIRST = ['init', 'collect', 'reset', 'release', 'stateBytes', 'flowEnded', 'collectRaw'] as const;

/**
 * Measures the time of each feature class's `addPacket`, excluding shared work, by
 * deferred block replay (see TIMING_METHOD). Attach to a pipeline before its first
 * packet (`instrument`), call `endBatch()` after each batch, `results()` at the end.
 */
export class TimeMeter {
  readonly blockCalls: number;
  private readonly timed: TimedInstance[] = [];
  private calibration: Calibration | undefined;
  private readonly empty = new EmptySamples();

  readonly warmupCalls: number;

  /**
   * `blockCalls`: K, calls per timed block. `warmupCalls`: the first calls of each
   * instance (at most a quarter of its calls) run while V8 still interprets or
   * baseline-compiles the class and are left out of the statistics (default 4096).
   */
  constructor(opts: { blockCalls?: number; warmupCalls?: number } = {}) {
    this.blockCalls = Math.max(2, Math.floor(opts.blockCalls ?? DEFAULT_BLOCK_CALLS));
    this.warmupCalls = Math.max(0, opts.warmupCalls ?? DEFAULT_WARMUP_CALLS);
  }

  /** Wraps every class instance of the pipeline (own properties shadow the class's methods). */
  instrument(p: Pipeline): void {
    for (const { instance, def } of pipelineInstances(p)) this.wrap(instance, def.featureName);
  }

  /** Wraps one instance (exposed for pipelines built by hand and for tests). */
  wrap(instance: FeatureClass, featureClass: string): void {
    const target = instance as unknown as Record<string, unknown>;
    const add = instance.addPacket as AddPacket;
    const t = new TimedInstance(featureClass, instance, add, this.blockCalls, this.empty);
    this.timed.push(t);
    for (const m of FLUSH_FIRST) {
      const f = target[m];
      if (typeof f !== 'function') continue;
      target[m] = function (this: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown) {
        t.flush();
        return (f as (...x: unknown[]) => unknown).call(instance, a, b, c, d);
      };
    }
    target.addPacket = (p: Packet, unit: number) => t.push(p, unit);
  }

  /** Replays what is pending (call at the end of every batch: the packet views point into it). */
  endBatch(): void {
    for (const t of this.timed) t.flush();
  }

  /**
   * The block overhead, from the empty blocks timed during the run (one pair of a
   * K-call and a 1-call block every EMPTY_EVERY real blocks: same conditions as the
   * measurement), topped up with `reps` more pairs timed now when the run gave fewer.
   * Medians of each size give the per-call cost b = (T_K - T_1) / (K - 1) and the fixed
   * cost a = T_1 - b. Called by `results()` if not done before.
   */
  calibrate(reps = 400): Calibration {
    const k = this.blockCalls;
    const pool = Array.from({ length: k }, () => new Packet());
    const units = new Int32Array(k);
    const e = this.empty;
    const extra = Math.max(0, reps - e.full.length);
    for (let r = 0; r < extra; r++) {
      e.full.push(replay(EMPTY_ADD, EMPTY, pool, units, k));
      e.one.push(replay(EMPTY_ADD, EMPTY, pool, units, 1));
    }
    const m1 = quantileSorted(Float64Array.from(e.one.values()).sort(), 0.5);
    const mk = quantileSorted(Float64Array.from(e.full.values()).sort(), 0.5);
    const perCallNs = Math.max(0, (mk - m1) / (k - 1));
    const fixedNs = Math.max(0, m1 - perCallNs);
    this.calibration = { fixedNs, perCallNs, overheadNs: (fixedNs + perCallNs * k) / k, samples: e.full.length };
    return this.calibration;
  }

  /** Per-class timing, corrected for the calibrated overhead. */
  results(): ClassTiming[] {
    this.endBatch();
    const cal = this.calibration ?? this.calibrate();
    const byClass = new Map<string, TimedInstance[]>();
    for (const t of this.timed) {
      const list = byClass.get(t.featureClass) ?? [];
      list.push(t);
      byClass.set(t.featureClass, list);
    }
    const half = this.blockCalls / 2;
    const out: ClassTiming[] = [];
    for (const [featureClass, list] of byClass) {
      const all: number[] = [];
      const skip = list.map((t) => {
        // Blocks of the warm-up: the first ones, up to min(warmupCalls, calls / 4) calls.
        const budget = Math.min(this.warmupCalls, Math.floor(t.calls / 4));
        const cs = t.blockCalls.values();
        let i = 0, c = 0;
        while (i < cs.length && c < budget) c += cs[i++];
        return i;
      });
      list.forEach((t, j) => { const v = t.blockNs.values(); for (let i = skip[j]; i < v.length; i++) all.push(v[i]); });
      const medianBlock = quantileSorted(Float64Array.from(all).sort(), 0.5);
      const limit = Math.max(OUTLIER_FLOOR_NS, OUTLIER_FACTOR * (Number.isFinite(medianBlock) ? medianBlock : 0));
      let calls = 0, total = 0, blocks = 0, callsKept = 0, totalKept = 0, outliers = 0, warm = 0;
      const perCall = new Float64Buffer();
      for (const [j, t] of list.entries()) {
        const ns = t.blockNs.values(), cs = t.blockCalls.values();
        for (let i = 0; i < skip[j]; i++) warm += cs[i];
        for (let i = skip[j]; i < ns.length; i++) {
          const corrected = ns[i] - cal.fixedNs - cal.perCallNs * cs[i];
          total += corrected;
          calls += cs[i];
          blocks++;
          if (ns[i] > limit) outliers++;
          else { totalKept += corrected; callsKept += cs[i]; }
          if (cs[i] >= half) perCall.push(corrected / cs[i]);
        }
      }
      const d = distribution(perCall.values());
      out.push({
        featureClass, calls: calls + warm, warmupCalls: warm, blocks, sampledBlocks: d.n,
        mean: callsKept ? totalKept / callsKept : NaN, meanAll: calls ? total / calls : NaN, outlierBlocks: outliers, median: d.median, p99: d.p99, min: d.min, max: d.max,
        overheadNs: cal.overheadNs, blockCalls: this.blockCalls,
      });
    }
    return out;
  }
}
