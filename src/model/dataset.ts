import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetSync, capturePath, DatasetLabels } from '../datasets/labels';
import { SERVICE_PROFILES, ServiceName } from '../datasets/services';
import { loadConfig, normalizeConfig, RefineryConfig } from '../config/config';
import { extractTable, ExtractProgress } from '../pipeline/extract';
import type { FeatureTable } from '../output/table';
import type { Row } from './matrix';

/** A labeled dataset folder (sessions.csv, labels.csv, captures) or labels already in memory. */
export type DatasetSource = string | DatasetLabels;

export function loadLabels(dataset: DatasetSource): DatasetLabels {
  return typeof dataset === 'string' ? readDatasetSync(dataset) : dataset;
}

/**
 * The config that categorizes a dataset's sessions: `config.json` in the dataset folder when
 * present (its Collect lists are replaced), else one service per service name in
 * sessions.csv, with the domains and prefixes of the original's configs.
 */
export function datasetConfig(labels: DatasetLabels, classes: readonly string[], bins: readonly number[]): RefineryConfig {
  const file = labels.dir ? join(labels.dir, 'config.json') : '';
  if (file && existsSync(file)) {
    const c = loadConfig(file);
    return { ...c, services: c.services.map((s) => ({ ...s, collect: [...classes] })), bins: [...bins], level: 'session', catchAll: false };
  }
  const names = [...new Set(labels.sessions.map((s) => s.service))];
  const services = names.map((name) => {
    const p = SERVICE_PROFILES[name as ServiceName];
    if (!p) throw new Error(`dataset service "${name}" has no known domains: put a config.json in the dataset folder`);
    return { Name: name, Filter: { DomainsString: [...p.domains], DomainsRegex: [...p.domainsRegex], Prefixes: [...p.prefixes, ...p.webPrefixes] }, Collect: [...classes] };
  });
  return normalizeConfig({ Services: services, Bins: [...bins], Level: 'session' }, 'dataset services');
}

export interface DatasetFeatures {
  labels: DatasetLabels;
  table: FeatureTable;
  /** All session rows as objects (every bin size). */
  rows: Row[];
  config: RefineryConfig;
  /** Hours of capture (sum of session durations), for storage per hour. */
  hours: number;
  /** Capture files read. */
  captures: string[];
  elapsedMs: number;
}

/**
 * Reads every capture of a dataset once, for all bin sizes and all classes the
 * representations need, at session level.
 */
export async function extractDataset(o: {
  dataset: DatasetSource; classes: readonly string[]; bins: readonly number[]; config?: RefineryConfig;
  workers?: number | 'auto'; workerModules?: string[]; limit?: number; onProgress?: (p: ExtractProgress) => void;
}): Promise<DatasetFeatures> {
  const labels = loadLabels(o.dataset);
  const sessions = o.limit ? labels.sessions.slice(0, o.limit) : labels.sessions;
  const config = o.config ?? datasetConfig(labels, o.classes, o.bins);
  const captures = [...new Set(sessions.map((s) => capturePath(labels, s)))];
  const t0 = performance.now();
  const r = await extractTable({ captures, config, bins: [...o.bins], level: 'session', workers: o.workers, workerModules: o.workerModules, onProgress: o.onProgress });
  if (r.errors.length) throw new Error(`dataset captures failed:\n${r.errors.map((e) => e.message).join('\n')}`);
  const used = { ...labels, sessions };
  return {
    labels: used, table: r.table, rows: r.table.toRows(), config, captures,
    hours: sessions.reduce((a, s) => a + s.duration_s, 0) / 3600, elapsedMs: performance.now() - t0,
  };
}
