import type { BinRow } from '../pipeline/rows';

/**
 * Row-major staging of a table's numeric columns. Rows are written as one contiguous run
 * of numbers each (cheap: no per-column arrays to grow), in chunks of STAGE_ROWS rows, and
 * turned into columns in one pass when they are read. A split run's threads write their
 * rows straight into shared chunks, at each row's position (pipeline/sharedRows.ts).
 */

/** Rows per chunk: 512 rows of ~150 numbers fit a core's L2 cache. */
export const STAGE_ROWS = 512;

/** Where a row of one service goes: its values' column indices, the columns it leaves NaN, its meta numbers'. */
export interface RowPlan {
  targets: Int32Array;
  missing: Int32Array;
  /** bin_size, bin_start, then local_port, remote_port (flow) or flows (session). */
  meta: Int32Array;
}

/** The numeric columns of a table, in order, and the plan of each service's rows. */
export class RowLayout {
  readonly stride: number;
  private readonly index: Map<string, number>;
  private readonly plans = new Map<readonly string[], RowPlan>();

  /** `numeric`: the table's numeric columns in order; `meta`: those that are not features. */
  constructor(readonly level: 'flow' | 'session', numeric: readonly string[], private readonly meta: ReadonlySet<string>) {
    this.stride = numeric.length;
    this.index = new Map(numeric.map((name, i) => [name, i]));
  }

  /** Whether rows with these feature columns fit this layout (checked once per column list). */
  fits(cols: readonly string[]): boolean {
    return this.plans.has(cols) || cols.every((c) => this.index.has(c));
  }

  /** The plan of rows with these feature columns (a service's column list is the same array for all its rows). */
  plan(cols: readonly string[]): RowPlan {
    let plan = this.plans.get(cols);
    if (plan) return plan;
    const own = new Set(cols);
    const metaNames = this.level === 'flow' ? ['bin_size', 'bin_start', 'local_port', 'remote_port'] : ['bin_size', 'bin_start', 'flows'];
    const at = (c: string) => {
      const i = this.index.get(c);
      if (i === undefined) throw new Error(`row layout: no column "${c}"`);
      return i;
    };
    plan = {
      targets: Int32Array.from(cols, at),
      missing: Int32Array.from([...this.index].filter(([name]) => !own.has(name) && !this.meta.has(name)).map(([, i]) => i)),
      meta: Int32Array.from(metaNames, at),
    };
    this.plans.set(cols, plan);
    return plan;
  }

  /** Writes the numbers of `r` as row `row` of `chunk`; feature columns of other services are NaN. */
  write(chunk: Float64Array, row: number, r: BinRow): void {
    const plan = this.plan(r.columns);
    const base = row * this.stride, m = plan.meta;
    chunk[base + m[0]] = r.binSize;
    chunk[base + m[1]] = r.binStart;
    if (this.level === 'flow') { chunk[base + m[2]] = r.localPort; chunk[base + m[3]] = r.remotePort; } else chunk[base + m[2]] = r.flows;
    const vals = r.values, targets = plan.targets, missing = plan.missing;
    for (let i = 0; i < targets.length; i++) chunk[base + targets[i]] = vals[i];
    for (let i = 0; i < missing.length; i++) chunk[base + missing[i]] = NaN;
  }
}

/** Copies `rows` row-major rows of `W` numbers into the columns `out`, from row `at` on. */
export function transposeInto(chunk: Float64Array, rows: number, W: number, out: Float64Array[], at: number): void {
  // Eight columns at a time: a row's eight numbers share a cache line, read once per group.
  for (let c0 = 0; c0 < W; c0 += 8) {
    const c1 = Math.min(W, c0 + 8);
    for (let c = c0; c < c1; c++) {
      const o = out[c];
      for (let r = 0, k = c; r < rows; r++, k += W) o[at + r] = chunk[k];
    }
  }
}
