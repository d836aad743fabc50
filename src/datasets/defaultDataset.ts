/**
 * The default generated dataset: not committed (hundreds of MB of pcaps) but generated
 * deterministically on first use and cached in a folder with a marker file recording the
 * generator version and parameters; a mismatch regenerates it.
 */
import { mkdir, readFile, writeFile, rename, rm, open, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateDataset, GenerateOptions, GENERATOR_VERSION, DatasetSummary } from './generator';

/** 120 sessions of 1-5 minutes, seed 1 (see datasets/README.md for the time and size this costs). */
export const DEFAULT_DATASET_PARAMS = Object.freeze({ sessions: 120, seed: 1, minDurationS: 60, maxDurationS: 300 });

export type DefaultDatasetParams = Omit<GenerateOptions, 'out' | 'onSession'>;

export const MARKER_FILE = '.dataset.json';

/** The package root (nearest ancestor of this module with a package.json). */
function packageRoot(): string {
  let d = __dirname;
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) return process.cwd();
    d = up;
  }
}

/** `<package root>/datasets/default`, whatever the working directory (CLI, tests, notebooks). */
export const DEFAULT_DATASET_DIR = join(packageRoot(), 'datasets', 'default');

export interface EnsureResult {
  dir: string;
  /** True when this call generated the files, false when the cache was valid. */
  generated: boolean;
  marker: Marker;
  summary?: DatasetSummary;
}

interface Marker {
  generatorVersion: number;
  params: Record<string, unknown>;
  createdBy: string;
  summary?: Pick<DatasetSummary, 'sessions' | 'pcapBytes' | 'packets' | 'elapsedMs' | 'sessionsPerSecond' | 'byService'>;
}

function canonical(p: DefaultDatasetParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(p).sort()) {
    const v = (p as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

async function readMarker(dir: string): Promise<Marker | null> {
  try { return JSON.parse(await readFile(join(dir, MARKER_FILE), 'utf8')) as Marker; } catch { return null; }
}

function sameParams(m: Marker | null, params: Record<string, unknown>): boolean {
  return !!m && m.generatorVersion === GENERATOR_VERSION && JSON.stringify(m.params) === JSON.stringify(params);
}

/**
 * Makes sure `dir` (default: DEFAULT_DATASET_DIR; a relative path is taken from the working directory)
 * holds the dataset for `params` (default: DEFAULT_DATASET_PARAMS), generating it
 * when the marker is missing or differs. Concurrent callers (parallel test files) wait on a lock file.
 */
export async function ensureDefaultDataset(dir: string = DEFAULT_DATASET_DIR, params: DefaultDatasetParams = DEFAULT_DATASET_PARAMS,
  o: { onSession?: (done: number, total: number) => void; lockTimeoutMs?: number } = {}): Promise<EnsureResult> {
  const abs = resolve(dir);
  const want = canonical(params);
  const existing = await readMarker(abs);
  if (sameParams(existing, want)) return { dir: abs, generated: false, marker: existing! };
  await mkdir(abs, { recursive: true });
  const lock = join(abs, '.lock');
  const deadline = Date.now() + (o.lockTimeoutMs ?? 30 * 60_000);
  for (;;) {
    try {
      const h = await open(lock, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Someone else is generating: wait, then re-check the marker. A lock older than the timeout is stale.
      const m = await readMarker(abs);
      if (sameParams(m, want)) return { dir: abs, generated: false, marker: m! };
      try {
        const st = await stat(lock);
        if (Date.now() - st.mtimeMs > (o.lockTimeoutMs ?? 30 * 60_000)) { await rm(lock, { force: true }); continue; }
      } catch { continue; }
      if (Date.now() > deadline) throw new Error(`ensureDefaultDataset: timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const again = await readMarker(abs);
    if (sameParams(again, want)) return { dir: abs, generated: false, marker: again! };
    await rm(join(abs, MARKER_FILE), { force: true });
    const summary = await generateDataset({ ...params, out: abs, onSession: o.onSession });
    const marker: Marker = {
      generatorVersion: GENERATOR_VERSION, params: want, createdBy: 'ensureDefaultDataset',
      summary: { sessions: summary.sessions, pcapBytes: summary.pcapBytes, packets: summary.packets, elapsedMs: Math.round(summary.elapsedMs), sessionsPerSecond: Number(summary.sessionsPerSecond.toFixed(3)), byService: summary.byService },
    };
    const tmp = join(abs, `${MARKER_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(marker, null, 2) + '\n');
    await rename(tmp, join(abs, MARKER_FILE));
    return { dir: abs, generated: true, marker, summary };
  } finally {
    await rm(lock, { force: true });
  }
}
