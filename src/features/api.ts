import type { Packet } from '../decode/packet';

/** The layer a feature class belongs to; presets and cost tables group by it. */
export type Layer = 'network' | 'transport' | 'application' | 'session';

/** One output column of a feature class. Declared once; outputs, profiling and sweeps read it. */
export interface ColumnSpec {
  /** Field name; the output column is `<Class>.<name>`. */
  readonly name: string;
  /** Unit of the value (packets, bytes, kbps, ms, s, count, ...). */
  readonly unit: string;
  readonly description: string;
}

/** What a feature class learns about where it runs when it is created. */
export interface FeatureContext {
  /** `flow`: one unit per flow; `session`: one unit per client x service, fed by all its flows. */
  readonly level: 'flow' | 'session';
  /** The bin size this instance collects for (each bin size has its own instances). */
  readonly binSeconds: number;
  /** Options given in the config for this class, if any. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The interface every feature class implements, built-in or user-written.
 *
 * State is kept per *unit*: a flow id at flow level, a session id at session level.
 * `p.flow` always names the packet's flow, so a class that needs per-flow sub-state at
 * session level (TCP sequence tracking, running video segments) can key on it.
 * The packet view is reused for every packet: read fields, never keep `p`.
 * With worker threads, each instance sees only the units its worker owns (a unit's
 * packets all reach the same instance): keep every piece of state per unit or per flow,
 * never across units, and the output does not depend on the number of workers.
 */
export interface FeatureClass {
  /** A unit starts: make room for its state. `p` is its first packet (not yet added). */
  init(unit: number, p: Packet): void;
  /** Updates the unit's state with one packet. Hot path: allocate nothing here. */
  addPacket(p: Packet, unit: number): void;
  /**
   * Writes the unit's values for the bin that just ended into `out[offset ...]`, one
   * number per declared column, in declaration order. NaN means "no value".
   */
  collect(unit: number, binSeconds: number, out: Float64Array, offset: number): void;
  /** The bin ended and was collected: clear per-bin state (keep what spans bins). */
  reset(unit: number): void;
  /** The unit ended (flow evicted or capture finished): drop its state. */
  release(unit: number): void;
  /** Bytes this instance holds for all units: what its data structures really occupy. */
  stateBytes(): number;
  /** Optional raw data of the bin for JSON output (e.g. the list of video segments). */
  collectRaw?(unit: number): unknown;
  /** Optional: a flow ended (lets session-level classes drop per-flow sub-state). */
  flowEnded?(flow: number): void;
  /**
   * Optional, session level only: a packet of the same client that is NOT part of this
   * unit (another service's flow, or a flow of no service), e.g. for video vs non-video
   * throughput. Classes without it never see such packets.
   */
  addOtherPacket?(p: Packet, unit: number): void;
}

/** A feature class definition: a constructor plus its static description. */
export interface FeatureDefinition {
  new (ctx: FeatureContext): FeatureClass;
  /** Name used in the config's `Collect` lists and as the column prefix. */
  readonly featureName: string;
  readonly layer: Layer;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
}
