import { basename } from 'node:path';
import type { DatasetLabels } from '../datasets/labels';
import { toMatrix, Row } from './matrix';

/** A supervised table: row-major X, targets, and the session each row belongs to. */
export interface TaskData {
  X: Float64Array;
  nCols: number;
  y: Float64Array;
  groups: string[];
  columns: string[];
}

/**
 * Resolution (classification), one row per labeled bin: rows from `labelBins` carrying a
 * resolution (pixel height). Bins without a playing second were dropped by labelBins.
 */
export function resolutionTask(labeled: readonly Row[], columns: readonly string[]): TaskData {
  const rows = labeled.filter((r) => r.resolution !== null && r.resolution !== undefined && Number.isFinite(Number(r.resolution)));
  return {
    X: toMatrix(rows, columns), nCols: columns.length,
    y: Float64Array.from(rows, (r) => Number(r.resolution)),
    groups: rows.map((r) => String(r.session_id)), columns: [...columns],
  };
}

/** How many leading bins describe a session's start: those covering the first `window` seconds. */
export function startupBins(binSize: number, window = 10): number {
  return Math.max(1, Math.round(window / binSize));
}

/**
 * Startup delay (regression), one row per session: the features of its first bins (the
 * first `window` seconds, at least one bin) side by side, columns suffixed `@0`, `@1`...
 * Takes *unlabeled* session rows of one bin size (startup bins have no playing second, so
 * labelBins would drop them) and matches them to sessions by capture name and client.
 */
export function startupTask(rows: readonly Row[], labels: DatasetLabels, columns: readonly string[], binSize: number, window = 10): TaskData {
  const k = startupBins(binSize, window);
  const byKey = new Map<string, { id: string; delay: number; service: string }>();
  for (const s of labels.sessions) byKey.set(`${basename(s.capture)}|${s.client_ip}`, { id: s.session_id, delay: s.startup_delay_s, service: s.service });
  // Index bins from the session's first bin (as the live inference sink does), not from
  // start_ts: the service's first packet may come a little after the session's start.
  const matched: { id: string; delay: number; start: number; r: Row }[] = [];
  const first = new Map<string, number>();
  for (const r of rows) {
    if (Number(r.bin_size) !== binSize) continue;
    const s = byKey.get(`${basename(String(r.capture))}|${r.local_ip}`);
    if (!s || String(r.service).toLowerCase() !== s.service.toLowerCase() || !Number.isFinite(s.delay)) continue;
    const start = Number(r.bin_start);
    matched.push({ id: s.id, delay: s.delay, start, r });
    first.set(s.id, Math.min(first.get(s.id) ?? Infinity, start));
  }
  const perSession = new Map<string, { delay: number; bins: (Row | undefined)[] }>();
  for (const m of matched) {
    const idx = Math.round((m.start - first.get(m.id)!) / binSize);
    if (idx < 0 || idx >= k) continue;
    const e = perSession.get(m.id) ?? { delay: m.delay, bins: new Array<Row | undefined>(k) };
    e.bins[idx] = m.r;
    perSession.set(m.id, e);
  }
  const wide: string[] = [];
  for (let b = 0; b < k; b++) for (const c of columns) wide.push(k === 1 ? c : `${c}@${b}`);
  const ids = [...perSession.keys()].sort();
  const flat: Row[] = ids.map((id) => {
    const e = perSession.get(id)!;
    const o: Row = {};
    for (let b = 0; b < k; b++) for (const c of columns) o[k === 1 ? c : `${c}@${b}`] = e.bins[b]?.[c] ?? NaN;
    return o;
  });
  return {
    X: toMatrix(flat, wide), nCols: wide.length,
    y: Float64Array.from(ids, (id) => perSession.get(id)!.delay),
    groups: ids, columns: wide,
  };
}

/** Rows `idx` of a task (for folds). */
export function subset(t: TaskData, idx: readonly number[]): TaskData {
  const X = new Float64Array(idx.length * t.nCols);
  idx.forEach((i, k) => X.set(t.X.subarray(i * t.nCols, (i + 1) * t.nCols), k * t.nCols));
  return { X, nCols: t.nCols, y: Float64Array.from(idx, (i) => t.y[i]), groups: idx.map((i) => t.groups[i]), columns: t.columns };
}
