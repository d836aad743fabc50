import type { BinRow, RowSink } from '../pipeline/rows';
import type { QoeModel } from './model';
import type { Row } from './matrix';

/** One prediction written by the inference sink. */
export type Prediction =
  | { type: 'bin'; capture: string; service: string; local_ip: string; bin_size: number; bin_start: number; resolution: number;
      probabilities: Record<string, number>; latency_ms: number; features: Record<string, number> }
  | { type: 'startup'; capture: string; service: string; local_ip: string; session_start: number; startup_delay_s: number; bins_used: number; latency_ms: number };

/**
 * Real-time QoE inference as a RowSink: every closed session bin of the model's bin size
 * gets a predicted resolution (with class probabilities) the moment the pipeline emits it,
 * and each session gets one startup-delay prediction once its first bins are in (or when
 * it ends). Works the same on replay and on a live interface.
 */
export class InferenceSink implements RowSink {
  readonly predictions: Prediction[] = [];
  private readonly starts = new Map<string, { start: number; bins: (Row | undefined)[]; done: boolean; meta: { capture: string; service: string; local_ip: string } }>();
  private latencies: number[] = [];

  constructor(private readonly model: QoeModel, private readonly write?: (p: Prediction) => void, private readonly keep = !write) {}

  row(r: BinRow): void {
    if (r.binSize !== this.model.bin || r.level !== 'session') return;
    const t0 = performance.now();
    const row: Row = {};
    const features: Record<string, number> = {};
    const index = new Map(r.columns.map((c, i) => [c, i]));
    for (const c of this.model.columns) {
      const i = index.get(c);
      const v = i === undefined ? NaN : r.values[i];
      row[c] = v;
      features[c] = v;
    }
    const meta = { capture: r.capture, service: r.service, local_ip: r.localIp };
    if (this.model.resolutionForest) {
      const p = this.model.predictResolution([row]);
      const probabilities: Record<string, number> = {};
      p.classes.forEach((c, k) => { probabilities[String(c)] = p.probabilities[0][k]; });
      this.emit({ type: 'bin', ...meta, bin_size: r.binSize, bin_start: r.binStart, resolution: p.resolution[0], probabilities, latency_ms: performance.now() - t0, features });
    }
    if (this.model.startupForest) {
      const key = `${r.capture}|${r.localIp}|${r.service}`;
      let s = this.starts.get(key);
      if (!s) { s = { start: r.binStart, bins: new Array(this.model.saved.startupBins), done: false, meta }; this.starts.set(key, s); }
      if (s.done) return;
      const idx = Math.round((r.binStart - s.start) / r.binSize);
      if (idx >= 0 && idx < s.bins.length) s.bins[idx] = row;
      if (idx >= s.bins.length - 1) this.predictStartup(s, performance.now());
    }
  }

  /** Sessions still waiting for their first bins get their startup prediction now. */
  end(): void {
    for (const s of this.starts.values()) if (!s.done) this.predictStartup(s, performance.now());
  }

  /** Prediction latency (ms from a bin's emission to its prediction): mean, p99, max. */
  latency(): { mean: number; p99: number; max: number; count: number } {
    const v = [...this.latencies].sort((a, b) => a - b);
    if (!v.length) return { mean: NaN, p99: NaN, max: NaN, count: 0 };
    return { mean: v.reduce((a, b) => a + b, 0) / v.length, p99: v[Math.min(v.length - 1, Math.floor(0.99 * v.length))], max: v[v.length - 1], count: v.length };
  }

  private predictStartup(s: { start: number; bins: (Row | undefined)[]; done: boolean; meta: { capture: string; service: string; local_ip: string } }, t0: number): void {
    s.done = true;
    const delay = this.model.predictStartup(s.bins);
    this.emit({ type: 'startup', ...s.meta, session_start: s.start, startup_delay_s: delay, bins_used: s.bins.filter(Boolean).length, latency_ms: performance.now() - t0 });
  }

  private emit(p: Prediction): void {
    this.latencies.push(p.latency_ms);
    if (this.keep) this.predictions.push(p);
    this.write?.(p);
  }
}
