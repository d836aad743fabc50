import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createBatch, PacketBatch } from '../src/capture/batch';
import type { FeatureTable } from '../src/output/table';

export interface Frame { ts: number; data: Uint8Array; wirelen?: number; linkType?: number; caplen?: number }

/** Lays hand-built frames out as one PacketBatch, as a capture reader would. */
export function batchOf(frames: Frame[]): PacketBatch {
  const total = frames.reduce((n, f) => n + f.data.length, 0);
  const buf = new Uint8Array(total);
  const b = createBatch(Math.max(1, frames.length), buf);
  let o = 0;
  frames.forEach((f, i) => {
    const cap = f.caplen ?? f.data.length;
    buf.set(f.data.subarray(0, cap), o);
    b.offset[i] = o;
    b.caplen[i] = cap;
    b.wirelen[i] = f.wirelen ?? f.data.length;
    b.tsSec[i] = Math.floor(f.ts);
    b.tsNsec[i] = Math.round((f.ts - Math.floor(f.ts)) * 1e9);
    b.linkType[i] = f.linkType ?? 1;
    o += cap;
  });
  b.count = frames.length;
  return b;
}

/** The shared public data folder (../shared/data next to the repo), or null when absent. */
export function sharedData(): string | null {
  const candidates = [join(__dirname, '..', '..', '..', 'shared', 'data'), join(process.cwd(), '..', 'shared', 'data')];
  for (const c of candidates) if (existsSync(c)) return c;
  return null;
}

export const SHARED_MISSING = '../shared/data is absent (public datasets are not in the repo)';

/** Every column of two tables equal (NaN equal to NaN), after both are put in canonical order. */
export function assertSameTable(a: FeatureTable, b: FeatureTable, opts: { ordered?: boolean } = {}): void {
  if (!opts.ordered) { a.sortCanonical(); b.sortCanonical(); }
  assert.equal(a.length, b.length, 'row count');
  assert.deepEqual(opts.ordered ? a.columns : [...a.columns].sort(), opts.ordered ? b.columns : [...b.columns].sort());
  if (opts.ordered) assert.deepEqual(a.raw, b.raw, 'raw per-bin data');
  for (const c of a.columns) {
    const x = a.column(c), y = b.column(c);
    for (let i = 0; i < a.length; i++) {
      if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) assert.fail(`column ${c}, row ${i}: ${x[i]} vs ${y[i]}`);
    }
  }
}

const made: string[] = [];

/** A fresh temporary folder, removed when the test file's process ends (each test file runs in its own). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (made.length === 0) process.on('exit', () => { for (const d of made) rmSync(d, { recursive: true, force: true }); });
  made.push(dir);
  return dir;
}
