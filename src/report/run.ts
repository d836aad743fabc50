import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ensureDefaultDataset } from '../datasets/defaultDataset';
import { sweep, SweepOptions, SweepResult } from '../model/sweep';
import { profileTables } from '../profile/profile';
import type { ProfileTables } from '../profile/profile';
import { writeQoeReport } from './qoeReport';
import { rowsToCsv } from '../output/formats';

export interface RunReportOptions {
  /** A labeled dataset folder; default: the built-in generated dataset (made on first use). */
  dataset?: string;
  /** Output folder (default `report`). */
  out?: string;
  /** Fewer sessions, bins, folds and trees: about a minute. */
  quick?: boolean;
  representations?: string[];
  bins?: number[];
  folds?: number;
  trees?: number;
  workers?: number | 'auto';
  onProgress?: (phase: string, done: number, total: number, label: string) => void;
}

export interface RunReportResult {
  index: string;
  dataset: string;
  sweep: SweepResult;
  profile: ProfileTables;
  elapsedMs: number;
}

/**
 * The main job: sweep every representation and bin size on a labeled dataset, profile the
 * costs, and write `index.html` (every chart and table) plus the tidy CSVs to `out`.
 */
export async function runReport(o: RunReportOptions = {}): Promise<RunReportResult> {
  const t0 = performance.now();
  const out = o.out ?? 'report';
  let dataset = o.dataset;
  if (!dataset) {
    o.onProgress?.('dataset', 0, 1, 'generating the default dataset (first run only)');
    dataset = (await ensureDefaultDataset(undefined, undefined, { onSession: (d, t) => o.onProgress?.('dataset', d, t, 'generating sessions') })).dir;
  }
  const quick = !!o.quick;
  const opts: SweepOptions = {
    dataset,
    representations: o.representations,
    bins: o.bins ?? (quick ? [4, 10, 30] : undefined),
    folds: o.folds ?? (quick ? 3 : 5),
    trees: o.trees ?? (quick ? 30 : 60),
    limit: quick ? 36 : undefined,
    workers: o.workers,
    importanceBin: 10,
    profileCaptures: quick ? 2 : 4,
    onProgress: (p) => o.onProgress?.(p.phase, p.done, p.total, p.label),
  };
  if (opts.importanceBin !== undefined && opts.bins && !opts.bins.includes(opts.importanceBin)) opts.importanceBin = opts.bins[Math.floor(opts.bins.length / 2)];
  const result = await sweep(opts);
  o.onProgress?.('profile', 0, 1, 'cost of each feature class over time');
  const prof = await profileTables({
    captures: result.features.captures.slice(0, quick ? 2 : 4), config: result.features.config,
    bins: [10], level: 'session', heap: false,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'sweep.csv'), rowsToCsv(result.rows));
  writeFileSync(join(out, 'sweep-wide.csv'), rowsToCsv(result.wide));
  writeFileSync(join(out, 'profile-summary.csv'), prof.summary.toCsv());
  const index = writeQoeReport(out, {
    sweep: result, profile: prof,
    subtitle: `dataset ${dataset}${quick ? ' (quick run)' : ''}, generated ${new Date().toISOString()}`,
  });
  return { index, dataset, sweep: result, profile: prof, elapsedMs: performance.now() - t0 };
}
