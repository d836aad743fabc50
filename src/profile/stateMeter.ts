import type { PacketBatch } from '../capture/batch';
import type { Pipeline } from '../pipeline/pipeline';

/**
 * Collection instants in capture time: every end of a bin of the smallest bin size, on
 * a grid that starts at the capture's first packet (units align their own bins to
 * their first packet, so this is the grid of the capture's first flows), plus the end
 * of the capture (when `finish()` collects the last, partial bins). State is read
 * just before the bins close: the peak of the cycle.
 *
 * Instants are checked after each batch: an instant is taken at the first batch end
 * whose capture time reached the next bin end (several bin ends inside one batch give
 * one instant, at the latest of them). Profiling reads with small batches (1024
 * records), a fraction of a second of traffic on busy links.
 */
export class InstantClock {
  private origin = NaN;
  private next = Infinity;

  constructor(readonly binSeconds: number) {
    if (!(binSeconds > 0)) throw new Error(`InstantClock: bin size must be positive (got ${binSeconds})`);
  }

  /** After a batch: the bin end just crossed (seconds, capture time), or NaN. */
  check(batch: PacketBatch, now: number): number {
    if (Number.isNaN(this.origin)) {
      if (batch.count === 0) return NaN;
      this.origin = batch.tsSec[0] + batch.tsNsec[0] * 1e-9;
      this.next = this.origin + this.binSeconds;
    }
    if (!(now >= this.next)) return NaN;
    const t = this.origin + Math.floor((now - this.origin) / this.binSeconds) * this.binSeconds;
    this.next = t + this.binSeconds;
    return t;
  }

  /** Capture time of the first packet (NaN before it). */
  get start(): number {
    return this.origin;
  }
}

/**
 * Units (flows or sessions) holding feature state: at flow level the live flows that
 * belong to a configured service (flows of no service carry no feature state), at
 * session level the live sessions.
 */
export function servedUnits(p: Pipeline): number {
  if (p.level === 'session') return p.activeUnits;
  const t = p.flows;
  let n = 0;
  for (let f = 0; f < t.highWater; f++) if (t.alive[f] && t.service[f] >= 0) n++;
  return n;
}

/** One reading of `Pipeline.stateBytes()` at a collection instant. */
export interface StateSample {
  capture: string;
  /** Index of the instant over the whole profile input (joins self and heap readings). */
  instant: number;
  /** Capture time of the instant (epoch seconds), and seconds since the capture's first packet. */
  t: number;
  tRel: number;
  /** 1 for the end-of-capture instant. */
  final: number;
  units: number;
  /** Bytes per feature class (as the classes report them), and `FlowTable`. */
  bytes: Record<string, number>;
}

/** Where and when an instant was taken. */
export interface InstantInfo {
  capture: string;
  instant: number;
  t: number;
  tRel: number;
  final: number;
}

/**
 * Calls `onInstant` at every collection instant of the pipelines it is attached to,
 * numbering instants across captures (the self and heap measurements see the same
 * packets in the same batches, so their instant numbers match). `attach` at pipeline
 * creation (it wraps `finish()` to catch the end-of-capture instant), `afterBatch` after
 * every batch.
 */
export class InstantSampler {
  private clock: InstantClock | undefined;
  private capture = '';
  private instant = 0;

  constructor(readonly binSeconds: number, private readonly onInstant: (p: Pipeline, info: InstantInfo) => void) {}

  /** Instants taken so far (the next instant's index). */
  get instants(): number {
    return this.instant;
  }

  attach(p: Pipeline, capture: string): void {
    const clock = this.clock = new InstantClock(this.binSeconds);
    this.capture = capture;
    const finish = p.finish;
    (p as unknown as { finish: () => void }).finish = () => {
      if (!Number.isNaN(clock.start)) this.take(p, p.captureTime, clock.start, 1);
      finish.call(p);
    };
  }

  afterBatch(p: Pipeline, batch: PacketBatch): void {
    const clock = this.clock;
    if (!clock) return;
    const t = clock.check(batch, p.captureTime);
    if (!Number.isNaN(t)) this.take(p, t, clock.start, 0);
  }

  private take(p: Pipeline, t: number, start: number, final: number): void {
    this.onInstant(p, { capture: this.capture, instant: this.instant++, t, tRel: t - start, final });
  }
}

/** Samples each class's own `stateBytes()` (and the FlowTable's) at every collection instant. */
export class StateMeter extends InstantSampler {
  readonly samples: StateSample[];

  constructor(binSeconds: number) {
    const samples: StateSample[] = [];
    super(binSeconds, (p, info) => { samples.push({ ...info, units: servedUnits(p), bytes: p.stateBytes() }); });
    this.samples = samples;
  }
}
