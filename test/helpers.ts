import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createBatch, PacketBatch } from '../src/capture/batch';

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
