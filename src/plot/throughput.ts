import { groupBy, num, rowsOf, RowsLike } from './rows';
import { resolveColumn } from './columns';
import type { Figure, Trace } from './types';

export interface ThroughputOptions {
  /** Time column (default `bin_start`, epoch seconds). */
  x?: string;
  /** Value column(s) (default `KbpsDw`, matching `PacketCounters.KbpsDw`). */
  y?: string | string[];
  /** One line per value of this column (e.g. `local_port` for flows), else one per y column. */
  groupBy?: string;
  /** Show time relative to the first row (default true). */
  relative?: boolean;
  title?: string;
}

/** Throughput of a session or flow over its bins (lines with markers, steps at bin starts). */
export function throughputTimeline(input: RowsLike, opts: ThroughputOptions = {}): Figure {
  const rows = rowsOf(input);
  if (rows.length === 0) throw new Error('throughputTimeline: no rows');
  const xc = resolveColumn(rows, opts.x ?? 'bin_start');
  const ycols = (Array.isArray(opts.y) ? opts.y : [opts.y ?? 'KbpsDw']).map((c) => resolveColumn(rows, c));
  const relative = opts.relative ?? true;
  const t0 = relative ? Math.min(...rows.map((r) => num(r[xc])).filter(Number.isFinite)) : 0;
  const data: Trace[] = [];
  const groups = opts.groupBy ? groupBy(rows, (r) => String(r[opts.groupBy!])) : new Map([['', rows]]);
  for (const [g, rs] of groups) {
    const sorted = [...rs].sort((a, b) => num(a[xc]) - num(b[xc]));
    for (const yc of ycols) {
      const short = yc.includes('.') ? yc.slice(yc.lastIndexOf('.') + 1) : yc;
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        line: { shape: 'hv' },
        name: g ? (ycols.length > 1 ? `${g} ${short}` : g) : short,
        x: sorted.map((r) => num(r[xc]) - t0),
        y: sorted.map((r) => num(r[yc])),
        hovertemplate: `${g ? `${g}<br>` : ''}t: %{x:.1f} s<br>${short}: %{y:,.1f}<extra></extra>`,
      });
    }
  }
  const unit = ycols.every((c) => /kbps/i.test(c)) ? 'Throughput (kbit/s)' : ycols.map((c) => c.slice(c.lastIndexOf('.') + 1)).join(', ');
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Throughput over time' },
      xaxis: { title: { text: relative ? 'Time since first bin (s)' : xc } },
      yaxis: { title: { text: unit }, rangemode: 'tozero' },
      hovermode: 'x unified',
      margin: { t: 60, r: 20 },
    },
  };
}
